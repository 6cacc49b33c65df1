"""The official-document layout (党政机关公文格式, GB/T 9704-2012) for reports handed out as DOCX: A4 with
the standard margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm), a 版头 (the issuing organ's name in
red 小标宋 and the 发文字号 above a red rule), the title in 2号 小标宋 centred, first-level headings in 3号 黑体,
the body in 3号 仿宋, and page numbers (— 1 —) in 4号 宋体 at the foot of every page. Font names are those
Chinese offices install (仿宋_GB2312, 方正小标宋简体); Word substitutes its own where one is missing."""

from __future__ import annotations

from dataclasses import dataclass

BODY_FONT, TITLE_FONT, HEADING_FONT, PAGE_FONT = "仿宋_GB2312", "方正小标宋简体", "黑体", "宋体"
RED = "FF0000"


@dataclass(frozen=True)
class OfficialLayout:
    issuer: str                 # 发文机关标志, e.g. 渠县教育局
    number: str                 # 发文字号, e.g. 渠教舆〔2026〕334号


def apply_official_layout(doc, layout: OfficialLayout) -> None:
    """Restyle a python-docx Document built from a report's Markdown (title = its first heading)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        _page_number(section.footer.paragraphs[0])
    _font(doc.styles["Normal"].font, BODY_FONT, Pt(16))
    for paragraph in doc.paragraphs:
        style = paragraph.style.name
        if style in ("Title", "Heading 1") and paragraph is _first_heading(doc):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _runs(paragraph, TITLE_FONT, Pt(22))
        elif style.startswith("Heading"):
            _runs(paragraph, HEADING_FONT if style == "Heading 2" else BODY_FONT, Pt(16), bold=style != "Heading 2")
        else:
            _runs(paragraph, BODY_FONT, Pt(16))
    _masthead(doc, layout)


def _first_heading(doc):
    return next((p for p in doc.paragraphs if p.style.name.startswith("Heading") or p.style.name == "Title"), None)


def _masthead(doc, layout: OfficialLayout) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    first = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    issuer = first.insert_paragraph_before()
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = issuer.add_run(layout.issuer)
    _font(run.font, TITLE_FONT, Pt(26))
    run.font.color.rgb = RGBColor.from_string(RED)
    number = first.insert_paragraph_before()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(number.add_run(layout.number).font, BODY_FONT, Pt(16))
    _red_rule(number)


def _red_rule(paragraph) -> None:
    """The red line under the 发文字号 (a bottom border of its paragraph)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", RED)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _page_number(paragraph) -> None:
    """``— PAGE —`` centred: Word fills in each page's number."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run("— ").font, PAGE_FONT, Pt(14))
    run = paragraph.add_run()
    _font(run.font, PAGE_FONT, Pt(14))
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
        else:
            field = OxmlElement("w:instrText")
            field.set(qn("xml:space"), "preserve")
            field.text = text
        run._r.append(field)
    _font(paragraph.add_run(" —").font, PAGE_FONT, Pt(14))


def _runs(paragraph, name: str, size, bold: bool = False) -> None:
    for run in paragraph.runs:
        _font(run.font, name, size)
        run.font.bold = bold or run.font.bold
        run.font.color.rgb = None


def _font(font, name: str, size) -> None:
    """Set a font for Latin and East Asian text alike (Word picks East Asian text's font from eastAsia)."""
    from docx.oxml.ns import qn

    font.name, font.size = name, size
    element = font.element if hasattr(font, "element") else font._element
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
