"""The certificate as a PDF: one A4 landscape page drawn with fpdf2, carrying
the same facts as the certificate's page and the link to verify it.

The fonts are DejaVu, subset and shipped beside this module (fonts/LICENSE.txt),
so names in Latin, Greek and Cyrillic scripts print as written without any
system font; fpdf2 embeds only the glyphs a certificate uses."""

import io
import logging
from pathlib import Path

from fpdf import FPDF
from PIL import Image as PILImage

from .services import NO_NAME, CertificateFacts

logger = logging.getLogger(__name__)

FONTS = Path(__file__).resolve().parent / "fonts"
PAGE_WIDTH, PAGE_HEIGHT = 297, 210  # mm, A4 landscape
TEXT_WIDTH = 237  # mm between the frame's inner margins
INK = (20, 24, 33)
MUTED = (74, 82, 97)
BRAND = (35, 64, 142)
LOGO_HEIGHT = 16  # mm
LOGO_MAX_WIDTH = 70  # mm
LOGO_RENDITION = "max-800x240|format-png"
CPD_NOTE = "CPD time is the course’s nominal learning time."


def partner_logo_png(image) -> bytes | None:
    """The partner's logo as PNG bytes, if it is a raster image whose file can
    be read; None otherwise (the PDF then shows the partner's name alone)."""
    if image is None or image.is_svg():
        return None
    try:
        rendition = image.get_rendition(LOGO_RENDITION)
        with rendition.file.open("rb") as handle:
            return handle.read()
    except (OSError, ValueError) as error:
        logger.warning("Partner logo %s left off a certificate PDF: %s", image.pk, error)
        return None


def certificate_pdf(facts: CertificateFacts, *, logo_png: bytes | None = None) -> bytes:
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(30, 20, 30)
    pdf.add_font("Sans", "", FONTS / "DejaVuSans.ttf")
    pdf.add_font("Sans", "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.add_font("Serif", "B", FONTS / "DejaVuSerif-Bold.ttf")
    name = facts.name or NO_NAME
    pdf.set_title(f"Certificate: {facts.course} — {name}")
    pdf.set_author(facts.issuer)
    pdf.set_creator(facts.issuer)
    pdf.set_subject(f"Certificate of completion {facts.code}")
    pdf.set_lang("en-GB")
    pdf.add_page()

    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, PAGE_WIDTH - 20, PAGE_HEIGHT - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13.5, 13.5, PAGE_WIDTH - 27, PAGE_HEIGHT - 27)

    pdf.set_y(22)
    line(pdf, facts.issuer.upper(), "Sans", "B", 11, BRAND, height=6, spacing=1.2)
    y = 31
    if logo_png:
        y = draw_logo(pdf, logo_png, y, alt_text=f"Logo of {facts.partner}") + 3
    pdf.set_y(y + 3)
    line(pdf, "Certificate of completion", "Serif", "B", 30, INK, height=14)
    pdf.ln(3)
    line(pdf, "This certifies that", "Sans", "", 13, MUTED, height=7)
    fitted(pdf, name, "Serif", "B", 26, INK)
    line(pdf, "completed the course", "Sans", "", 13, MUTED, height=7)
    fitted(pdf, facts.course, "Serif", "B", 20, INK)
    line(pdf, f"by {facts.partner}", "Sans", "", 13, MUTED, height=7)

    pdf.set_line_width(0.3)
    pdf.line(PAGE_WIDTH / 2 - 40, 143, PAGE_WIDTH / 2 + 40, 143)

    minutes = f"{facts.minutes} minute{'' if facts.minutes == 1 else 's'}"
    completed = f"{facts.completed_on.day} {facts.completed_on:%B %Y}"
    columns = [("Completed on", completed), ("Learning time", minutes)]
    columns.append(("Certificate number", facts.code))
    widths = (62, 52, TEXT_WIDTH - 114)
    x, top = 30, 152
    for (label, value), width in zip(columns, widths, strict=True):
        pdf.set_xy(x, top)
        pdf.set_font("Sans", "", 9)
        pdf.set_text_color(*MUTED)
        pdf.cell(width, 5, label, align="C")
        pdf.set_xy(x, top + 5.5)
        pdf.set_font("Sans", "B", 11)
        pdf.set_text_color(*INK)
        pdf.cell(width, 6, value, align="C")
        x += width
    pdf.set_y(172)
    verify = f"Verify this certificate at {facts.verify_url}"
    line(pdf, verify, "Sans", "", 9, MUTED, height=5, link=facts.verify_url)
    line(pdf, CPD_NOTE, "Sans", "", 8, MUTED, height=5)
    return bytes(pdf.output())


def line(pdf, text, family, style, size, colour, *, height, spacing=0.0, link=""):
    pdf.set_font(family, style, size)
    pdf.set_char_spacing(spacing)
    pdf.set_text_color(*colour)
    pdf.set_x(30)
    pdf.cell(TEXT_WIDTH, height, text, align="C", new_x="LMARGIN", new_y="NEXT", link=link)
    pdf.set_char_spacing(0)


def fitted(pdf, text, family, style, size, colour, *, smallest=14):
    """One centred line, its type made smaller until it fits; a text too long
    even then wraps onto two lines."""
    pdf.set_font(family, style, size)
    while size > smallest and pdf.get_string_width(text) > TEXT_WIDTH:
        size -= 1
        pdf.set_font(family, style, size)
    pdf.set_text_color(*colour)
    pdf.set_x(30)
    pdf.multi_cell(TEXT_WIDTH, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def draw_logo(pdf, png: bytes, top: float, *, alt_text: str) -> float:
    """Draws the logo centred below the site name; returns its bottom edge."""
    try:
        with PILImage.open(io.BytesIO(png)) as picture:
            ratio = picture.width / picture.height
    except (OSError, ValueError, ZeroDivisionError):
        return top
    height = LOGO_HEIGHT
    width = height * ratio
    if width > LOGO_MAX_WIDTH:
        width, height = LOGO_MAX_WIDTH, LOGO_MAX_WIDTH / ratio
    pdf.image(
        io.BytesIO(png), x=(PAGE_WIDTH - width) / 2, y=top, w=width, h=height, alt_text=alt_text
    )
    return top + height
