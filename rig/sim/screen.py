"""Render the phone's text screen as the PNG `/CGI/Screenshot` answers.

A 7942's display is 320x222 pixels, 4-bit grayscale; the simulator draws its text screen with
Pillow's built-in font in the same geometry so a screenshot looks and sizes like a real one.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from rig.sim.phone_menu import Screen

WIDTH, HEIGHT = 320, 222
LINE_HEIGHT = 14
BACKGROUND, INK = 235, 20


def render_png(screen: Screen) -> bytes:
    image = Image.new("L", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    title = screen.title + ("" if screen.locked is None else ("  [locked]" if screen.locked else "  [unlocked]"))
    draw.rectangle((0, 0, WIDTH, LINE_HEIGHT + 4), fill=INK)
    draw.text((4, 3), title, fill=BACKGROUND, font=font)
    for row, line in enumerate(screen.lines[: (HEIGHT - 2 * LINE_HEIGHT - 12) // LINE_HEIGHT]):
        draw.text((6, LINE_HEIGHT + 10 + row * LINE_HEIGHT), line, fill=INK, font=font)
    slot = WIDTH // len(screen.softkeys)
    top = HEIGHT - LINE_HEIGHT - 4
    draw.line((0, top, WIDTH, top), fill=INK)
    for index, label in enumerate(screen.softkeys):
        draw.text((index * slot + 4, top + 3), label, fill=INK, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
