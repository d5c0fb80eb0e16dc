def safe_cell(value) -> str:
    """The value as text, quoted with a leading ' if a spreadsheet would run it as a formula."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
