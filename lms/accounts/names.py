"""People's names: what a learner is called in greetings (their first name)
and on certificates (their full name), and the name a cohort invitation
carries to the sign-up form.

Names are asked as two fields, first and last, because the site uses the two
parts apart: emails greet by first name ("Hello Amira,"), certificates print
the full name. A single "Your name" box would have to guess where a name
splits, and guesses wrong for titles and two-word first names. Where only a
single name exists (the `name` column of an invitation CSV) it is split here
once, as a suggestion the learner sees and corrects on the sign-up form."""

# The session key for the name and address of the invitation a visitor
# followed before signing up (lms.cohorts sets it; the sign-up form reads it).
INVITED = "accounts.invited"


def split_name(full: str) -> tuple[str, str]:
    """("Amira", "Khan") from "Amira Khan"; "Khan, Amira" is read the other
    way round; one word is a first name alone."""
    full = " ".join((full or "").split())
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    first, _, last = full.partition(" ")
    return first, last


def greeting(user) -> str:
    """ "Hello Amira," or, without a first name, "Hello,"."""
    first = (getattr(user, "first_name", "") or "").strip()
    return f"Hello {first}," if first else "Hello,"


def remember_invited(request, *, name: str, email: str) -> None:
    request.session[INVITED] = {"name": name or "", "email": email or ""}


def invited(request) -> dict:
    """{"first_name", "last_name", "email"} from the invitation this visitor
    followed, or {} (no request, no invitation)."""
    session = getattr(request, "session", None)
    found = session.get(INVITED) if session is not None else None
    if not found:
        return {}
    first, last = split_name(found.get("name", ""))
    return {"first_name": first, "last_name": last, "email": found.get("email", "")}
