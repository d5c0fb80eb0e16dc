"""Blocks for the home page."""

from wagtail import blocks


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=60, help_text="Two or three words.")
    text = blocks.TextBlock(max_length=250, rows=2, help_text="One sentence.")

    class Meta:
        icon = "list-ol"
        label = "Step"
