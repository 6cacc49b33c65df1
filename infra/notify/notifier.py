"""Who is told what, once: triggers are routed by role to e-mail addresses and group webhooks, planned in
the sent-ledger (a trigger id is planned once) and delivered with retry and back-off."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable, Iterable, Mapping, Sequence

from core.clock import Clock, SystemClock
from core.errors import ConfigurationError
from core.notifications import Contact, Delivery, DeliveryLedger, RoundReport, Trigger
from core.vocabulary import ROLES, TRIGGER_KINDS
from infra.notify.channels import ChannelError, EmailChannel, WebhookChannel, parse_webhooks

log = logging.getLogger(__name__)

DEFAULT_ROUTES: dict[str, tuple[str, ...]] = {
    "alert_major": ("monitor", "reviewer", "spokesperson", "leader"),
    "clock_80": ("reviewer", "spokesperson", "leader"),
    "clock_overdue": ("leader", "spokesperson", "reviewer"),
    "escalation_new": ("leader", "police_liaison"),
    "hype_suspected": ("monitor", "leader"),
    "crawl_format_drift": ("admin",),
}


def parse_routes(entries: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The default routes with `notify_routes` entries ('trigger=role+role') replacing theirs."""
    routes = dict(DEFAULT_ROUTES)
    for entry in entries:
        kind, sep, roles = str(entry).partition("=")
        kind = kind.strip()
        wanted = tuple(r.strip() for r in roles.split("+") if r.strip())
        if not sep or kind not in TRIGGER_KINDS:
            raise ConfigurationError(f"setting 'notify_routes': {entry!r} should be trigger=role+role with trigger "
                                     f"one of {', '.join(TRIGGER_KINDS)}")
        unknown = [r for r in wanted if r not in ROLES]
        if unknown:
            raise ConfigurationError(f"setting 'notify_routes': unknown role {unknown[0]!r} in {entry!r}; "
                                     f"roles are {', '.join(ROLES)}")
        routes[kind] = wanted
    return routes


def parse_contacts(entries: Sequence[str]) -> list[Contact]:
    """`notify_emails` entries ('role=address')."""
    contacts = []
    for entry in entries:
        role, sep, address = str(entry).partition("=")
        role, address = role.strip(), address.strip()
        if not sep or role not in ROLES or "@" not in address:
            raise ConfigurationError(f"setting 'notify_emails': {entry!r} should be role=address with role one of "
                                     f"{', '.join(ROLES)}")
        contacts.append(Contact(role, address))
    return contacts


class Notifier:
    """Plans triggers into the ledger and delivers what is due.

    ``directory`` returns the people to reach by role (the workflow's active users with an e-mail); it is
    asked at planning time, so a user added later is not told about earlier triggers."""

    def __init__(self, ledger: DeliveryLedger, *, email: EmailChannel | None = None,
                 webhooks: Sequence[tuple[WebhookChannel, str]] = (),
                 routes: Mapping[str, tuple[str, ...]] = DEFAULT_ROUTES, contacts: Sequence[Contact] = (),
                 directory: Callable[[], Iterable[Contact]] = lambda: (), clock: Clock | None = None,
                 max_attempts: int = 5, retry_s: float = 30.0):
        self.ledger, self.email, self.routes = ledger, email, dict(routes)
        self.webhooks = {channel.name: (channel, url) for channel, url in webhooks}
        self.contacts, self.directory = list(contacts), directory
        self.clock = clock or SystemClock()    # wall time: channel outages and back-off are real time
        self.max_attempts, self.retry_s = max(1, max_attempts), retry_s

    def plan(self, triggers: Iterable[Trigger]) -> int:
        """Record the deliveries of triggers not seen before; returns how many triggers were new."""
        new = 0
        people: list[Contact] | None = None
        for trigger in triggers:
            if self.ledger.is_planned(trigger.id):
                continue                     # the common case each round: nothing new, nobody to look up
            if people is None:
                people = [*self.contacts, *self.directory()]
            deliveries = self._deliveries(trigger, people)
            if self.ledger.plan(trigger.id, trigger.kind, trigger.title, deliveries, self.clock.now()):
                new += 1
                if not deliveries:
                    log.warning("notification %s has nobody to reach: configure smtp_host/notify_emails or "
                                "notify_webhooks", trigger.id)
        return new

    def _deliveries(self, trigger: Trigger, people: Sequence[Contact]) -> list[Delivery]:
        roles = set(self.routes.get(trigger.kind, ()))
        result: list[Delivery] = []
        if self.email:
            addresses = dict.fromkeys([*trigger.emails, *(p.email for p in people if p.role in roles and p.email)])
            result += [Delivery(trigger.id, "email", a, trigger.kind, trigger.title, trigger.body) for a in addresses]
        for name in self.webhooks:
            # A group robot posts into the response team's chat: it takes every trigger once.
            result.append(Delivery(trigger.id, name, name, trigger.kind, trigger.title, trigger.body))
        return result

    def deliver_due(self) -> RoundReport:
        """Send every due delivery once; failures are retried later with back-off, up to max_attempts."""
        report = RoundReport()
        for delivery in self.ledger.due(self.clock.now()):
            if not self.ledger.mark_sending(delivery):
                continue
            try:
                self._send(delivery)
            except ChannelError as error:
                self._failed(delivery, str(error), report)
                continue
            self.ledger.mark_sent(delivery, self.clock.now())
            report.sent += 1
        return report

    def _send(self, delivery: Delivery) -> None:
        if delivery.channel == "email":
            if not self.email:
                raise ChannelError("e-mail is no longer configured (setting smtp_host is empty)")
            self.email.send(delivery.address, delivery.title, delivery.body, delivery.trigger_id)
            return
        if delivery.channel not in self.webhooks:
            raise ChannelError(f"webhook {delivery.channel} is no longer configured (setting notify_webhooks)")
        channel, url = self.webhooks[delivery.channel]
        channel.send(url, delivery.title, delivery.body, delivery.trigger_id)

    def _failed(self, delivery: Delivery, error: str, report: RoundReport) -> None:
        attempts = delivery.attempts + 1
        if attempts >= self.max_attempts:
            self.ledger.mark_failed(delivery, f"第{attempts}次失败，不再重试：{error}", None)
            report.failed += 1
            log.error("notification %s via %s failed for good: %s", delivery.trigger_id, delivery.channel, error)
        else:
            wait = timedelta(seconds=self.retry_s * 2 ** (attempts - 1))
            self.ledger.mark_failed(delivery, f"第{attempts}次失败：{error}", self.clock.now() + wait)
            report.retrying += 1
            log.warning("notification %s via %s failed (attempt %d), retrying in %s: %s",
                        delivery.trigger_id, delivery.channel, attempts, wait, error)
        report.errors.append(error)

    def notify(self, triggers: Iterable[Trigger]) -> RoundReport:
        """Plan, then deliver what is due (new triggers and earlier retries)."""
        planned = self.plan(triggers)
        report = self.deliver_due()
        report.planned = planned
        return report


@dataclass(frozen=True)
class NotifyConfig:
    """The notification settings, typed (the runtime fills it from `smtp_*` and `notify_*`)."""

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "yuqing@localhost"
    smtp_tls: str = "starttls"
    webhooks: tuple[str, ...] = ()           # 'kind=url'
    emails: tuple[str, ...] = ()             # 'role=address'
    routes: tuple[str, ...] = ()             # 'trigger=role+role'
    max_attempts: int = 5
    retry_s: float = 30.0


def build_notifier(config: NotifyConfig, ledger: DeliveryLedger,
                   directory: Callable[[], Iterable[Contact]] = lambda: (), clock: Clock | None = None) -> Notifier:
    """The notifier the configuration describes, planning into ``ledger``. Bad settings raise
    ConfigurationError naming the setting, before anything is sent."""
    email = None
    if config.smtp_host:
        email = EmailChannel(config.smtp_host, config.smtp_port, user=config.smtp_user, password=config.smtp_password,
                             sender=config.smtp_from, tls=config.smtp_tls)
    return Notifier(ledger, email=email, webhooks=parse_webhooks(config.webhooks), routes=parse_routes(config.routes),
                    contacts=parse_contacts(config.emails), directory=directory, clock=clock,
                    max_attempts=config.max_attempts, retry_s=config.retry_s)
