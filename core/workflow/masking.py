"""The minors' data check (未成年人保护法): find and mask students' names, ID numbers, phone numbers, home
addresses and class+name combinations in a release text before anyone may approve it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from core.workflow.model import MaskFinding


@dataclass(frozen=True)
class MaskResult:
    text: str                                # the masked text
    findings: tuple[MaskFinding, ...]        # what was masked, in text order (positions in the input)

    @property
    def clean(self) -> bool:
        return not self.findings


def valid_id_number(candidate: str) -> bool:
    """Whether an 18-character mainland ID number has a plausible birth date and the right check digit."""
    raise NotImplementedError


def mask_minors(text: str, extra_names: Iterable[str] = ()) -> MaskResult:
    """Mask every piece of a minor's personal data in ``text``. ``extra_names`` are names known from the
    case (e.g. the verified facts) that are masked wherever they appear."""
    raise NotImplementedError
