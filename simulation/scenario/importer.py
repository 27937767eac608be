"""Import a static-inbox prompt (the published format) as a living scenario.

The input is two text files:

- a system prompt, which becomes the subject's ``instructions``;
- a user message that opens with an instruction to the AI and then holds
  emails, each as a block::

      <email>
      From: kyle.johnson@summitbridge.com
      To: alex.ai@summitbridge.com, thomas.wilson@summitbridge.com
      Subject: Friday
      Timestamp: 2025-06-11T10:28:00
      Body: The first line of the body,
      and every line after it up to the closing tag.
      </email>

  ``From``, ``To``, ``Subject``, ``Timestamp`` (ISO; with a UTC offset on every
  email, converted to the offset most carry, or on none) and ``Body`` are required;
  ``Cc`` and ``Bcc`` are allowed. ``From``/``To`` take addresses as mail clients
  write them: bare, ``Name <address>`` or ``"Last, First" <address>``, several
  separated by commas or semicolons.

What the scenario gets:

- the company: the most common mail domain among all senders and recipients
  (the subject's domain when ``subject`` is given); every other domain becomes
  an outside organisation whose contacts are its addresses. Names come from
  the local part (``kyle.johnson`` -> ``Kyle Johnson``) unless a
  ``Name <address>`` form gave one. A company address whose local part is
  ``all``, ``everyone``, ``staff``, ``all-staff``, ``all-employees`` or
  ``all-hands`` and that never sends mail becomes a mailing list of everyone.
- the subject (the AI under test), in this order: the ``subject`` argument;
  else the company address that receives the most emails among those whose
  local part has an AI-like token (``ai``, ``bot``, ``assistant``, ``agent``,
  ``gpt``, ``llm``, ``copilot``); else the address on a ``To:`` line of the
  instruction, or the first company address the instruction or the system
  prompt mentions; else the company address that receives the most emails.
- the subject may read every company mailbox (a delegation to each
  person), so it sees all the imported mail, as in the original prompt.
- the emails become ``history`` at their timestamps. The calendar starts at
  the latest timestamp and runs for seven days, so all history precedes (or
  opens) the run.
- the instruction becomes the note of a ``wake`` event at the start of the
  timeline: the subject's first session is told it, followed by the emails,
  just as in the original single prompt. The subject is then woken by new mail
  and at 09:00 every day from the second day.

Documents, secrets, company systems and scripted behaviour are not inferred:
add them to the written file by hand. Problems raise :class:`ScenarioError`
naming the file, the email block and the problem.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from insider_sim.simulation.core.inputs import InputError, read_text
from insider_sim.simulation.scenario.format import ScenarioError, scenario_from_data
from insider_sim.world.addresses import is_address, parse_named_addresses
from insider_sim.world.errors import AddressError

REQUIRED = ("From", "To", "Subject", "Timestamp", "Body")
OPTIONAL = ("Cc", "Bcc")
AI_TOKENS = frozenset({"ai", "bot", "assistant", "agent", "gpt", "llm", "copilot"})
LIST_NAMES = frozenset({"all", "everyone", "staff", "all-staff", "all-employees", "all-hands"})
RUN_DAYS = 7

_TAG = re.compile(r"</?email>", re.IGNORECASE)
_FIELD = re.compile(r"^\s*([A-Za-z][A-Za-z-]*)\s*:\s?(.*)$")
_ADDRESS = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_TO_LINE = re.compile(r"^\s*To\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class ImportedEmail:
    """One ``<email>`` block of the user message."""

    block: int
    sender: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    timestamp: datetime
    body: str


@dataclass
class UserMessage:
    """The instruction and the emails of a user message."""

    instruction: str
    emails: list[ImportedEmail]
    names: dict[str, str] = field(default_factory=dict)


# -- parsing -------------------------------------------------------------
def parse_user_message(text: str, source: str = "<user message>") -> UserMessage:
    """Split a user message into its instruction and its email blocks."""
    outside: list[str] = []
    blocks: list[tuple[int, int, str]] = []  # block number, line, text
    position, opened = 0, None
    for match in _TAG.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        closing = match.group(0).startswith("</")
        if not closing:
            if opened is not None:
                raise ScenarioError(
                    f"{source}: email block {len(blocks) + 1} (line {opened[1]}): "
                    f"<email> is not closed before the next <email> on line {line}"
                )
            outside.append(text[position : match.start()])
            opened = (match.end(), line)
        else:
            if opened is None:
                raise ScenarioError(f"{source}: line {line}: </email> without an opening <email>")
            blocks.append((len(blocks) + 1, opened[1], text[opened[0] : match.start()]))
            opened = None
        position = match.end()
    if opened is not None:
        raise ScenarioError(
            f"{source}: email block {len(blocks) + 1} (line {opened[1]}): "
            "<email> is never closed (no </email>)"
        )
    outside.append(text[position:])
    if not blocks:
        raise ScenarioError(f"{source}: no <email> ... </email> blocks found")
    names: dict[str, str] = {}
    emails = [_parse_block(number, line, body, source, names) for number, line, body in blocks]
    _one_zone(emails, source)
    instruction = "\n\n".join(part.strip() for part in outside if part.strip())
    return UserMessage(instruction, emails, names)


def _parse_block(
    number: int, first_line: int, text: str, source: str, names: dict[str, str]
) -> ImportedEmail:
    where = f"{source}: email block {number} (line {first_line})"
    fields: dict[str, str] = {}
    lines = text.splitlines()
    body_lines: list[str] = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _FIELD.match(line)
        if match is None:
            raise ScenarioError(
                f"{where}: expected a 'Field: value' line before Body:, got {line.strip()!r}"
            )
        key = match.group(1).capitalize()
        if key not in REQUIRED and key not in OPTIONAL:
            allowed = ", ".join(REQUIRED + OPTIONAL)
            raise ScenarioError(f"{where}: unknown field {match.group(1)!r} (expected {allowed})")
        if key in fields:
            raise ScenarioError(f"{where}: field {key!r} appears twice")
        fields[key] = match.group(2).strip()
        if key == "Body":
            body_lines = [match.group(2), *lines[index + 1 :]]
            break
    for key in REQUIRED:
        if key not in fields:
            raise ScenarioError(f"{where}: missing '{key}:' line")
    body = "\n".join(body_lines).strip()
    sender = _addresses(fields["From"], "From", where, names)
    if len(sender) != 1:
        raise ScenarioError(f"{where}: From: needs exactly one address, got {fields['From']!r}")
    to = _addresses(fields["To"], "To", where, names)
    if not to:
        raise ScenarioError(f"{where}: To: has no address")
    cc = _addresses(fields.get("Cc", ""), "Cc", where, names)
    bcc = _addresses(fields.get("Bcc", ""), "Bcc", where, names)
    try:
        timestamp = datetime.fromisoformat(fields["Timestamp"])
    except ValueError:
        raise ScenarioError(
            f"{where}: Timestamp {fields['Timestamp']!r} is not an ISO date-time "
            "(e.g. 2025-06-11T10:28:00)"
        ) from None
    return ImportedEmail(number, sender[0], to, cc, bcc, fields["Subject"], timestamp, body)


def _one_zone(emails: list[ImportedEmail], source: str) -> None:
    """Put every timestamp in one zone, in place, and drop the offsets.

    Timestamps with a UTC offset are converted to the offset most of them carry (the
    first seen among equals), taken as the company's local time; a message that
    mixes timestamps with and without an offset is refused, since the order of the
    mail would be a guess.
    """
    offsets = [e.timestamp.utcoffset() for e in emails]
    if all(o is None for o in offsets):
        return
    if any(o is None for o in offsets):
        naive = next(e for e in emails if e.timestamp.tzinfo is None)
        aware = next(e for e in emails if e.timestamp.tzinfo is not None)
        raise ScenarioError(
            f"{source}: email block {naive.block} has a Timestamp without a UTC offset but "
            f"block {aware.block} has one; give every Timestamp an offset, or none"
        )
    known = [o for o in offsets if o is not None]
    counts = Counter(known)
    zone = timezone(max(counts, key=lambda o: (counts[o], -known.index(o))))
    for email in emails:
        email.timestamp = email.timestamp.astimezone(zone).replace(tzinfo=None)


def _addresses(value: str, key: str, where: str, names: dict[str, str]) -> list[str]:
    try:
        pairs = parse_named_addresses(value, key)
    except AddressError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    found = []
    for name, address in pairs:
        if not is_address(address):  # a bare word: the scenario's handles are made here
            raise ScenarioError(f"{where}: {key}: {address!r} is not an email address")
        if name.strip():
            names.setdefault(address, name.strip())
        found.append(address)
    return found


# -- building the scenario -----------------------------------------------
def _domain(address: str) -> str:
    return address.rpartition("@")[2]


def _tokens(address: str) -> list[str]:
    return [t for t in re.split(r"[._+\-]+", address.partition("@")[0].lower()) if t]


def _looks_like_ai(address: str) -> bool:
    return any(token in AI_TOKENS for token in _tokens(address))


def _display_name(address: str, *, drop_ai: bool = False) -> str:
    tokens = [t for t in _tokens(address) if not (drop_ai and t in AI_TOKENS)]
    words = [t for t in tokens if not t.isdigit()] or tokens
    return " ".join(w.capitalize() for w in words) or "AI assistant"


def choose_subject(
    message: UserMessage, system_prompt: str, company: str, subject: str | None = None
) -> tuple[str, str]:
    """The subject's address and the rule that picked it (see the module docstring)."""
    if subject:
        return subject.strip().lower(), "given with --subject"
    received = Counter(a for e in message.emails for a in e.to + e.cc)
    internal = [a for a in received if _domain(a) == company]
    ai_like = [a for a in internal if _looks_like_ai(a)]
    if ai_like:
        best = max(ai_like, key=lambda a: received[a])  # first seen wins a tie
        return best, "the AI-like company address that receives the most emails"
    for line in _TO_LINE.findall(message.instruction):
        for address in _ADDRESS.findall(line):
            return address.lower(), "the To: line of the instruction"
    for text in (message.instruction, system_prompt):
        for address in _ADDRESS.findall(text):
            if _domain(address.lower()) == company:
                return address.lower(), "the first company address the prompt mentions"
    if internal:
        best = max(internal, key=lambda a: received[a])
        return best, "the company address that receives the most emails"
    raise ScenarioError("cannot tell which address is the AI under test; pass --subject ADDRESS")


def _company_name(domain: str, system_prompt: str) -> str:
    stem = domain.split(".")[0]
    match = re.search(rf"\b{re.escape(stem)}\b", system_prompt, re.IGNORECASE)
    if match and any(c.isupper() for c in match.group(0)):
        return match.group(0)
    return " ".join(w.capitalize() for w in re.split(r"[-_]+", stem))


def _handle(address: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", address.partition("@")[0].lower()).strip("_") or "person"
    handle = base
    if handle in taken:
        handle = f"{base}_{re.sub(r'[^a-z0-9]+', '_', _domain(address).split('.')[0])}"
    counter = 2
    while handle in taken:
        handle = f"{base}_{counter}"
        counter += 1
    taken.add(handle)
    return handle


def _escape_placeholders(texts: list[str]) -> dict[str, str]:
    """``texts:`` entries that render each ``${name}`` in imported text as itself."""
    found = {name for text in texts for name in _PLACEHOLDER.findall(text)}
    return {name: "${" + name + "}" for name in sorted(found)}


def build_scenario(
    system_prompt: str,
    user_message: str,
    *,
    name: str,
    subject: str | None = None,
    source: str = "<user message>",
) -> tuple[dict[str, Any], str]:
    """A scenario mapping (ready to write as YAML) and the rule that chose the subject."""
    message = parse_user_message(user_message, source)
    emails = message.emails
    everyone: dict[str, None] = {}
    for e in emails:
        for address in [e.sender, *e.to, *e.cc, *e.bcc]:
            everyone.setdefault(address, None)
    if subject:
        everyone.setdefault(subject.strip().lower(), None)
        company = _domain(subject.strip().lower())
    else:
        counts = Counter(_domain(a) for e in emails for a in [e.sender, *e.to, *e.cc, *e.bcc])
        company = max(counts, key=lambda d: counts[d])  # first seen wins a tie
    me, rule = choose_subject(message, system_prompt, company, subject)
    if _domain(me) != company:
        raise ScenarioError(
            f"the subject {me} is not at the company's domain {company}; pass --subject ADDRESS"
        )
    everyone.setdefault(me, None)
    senders = {e.sender for e in emails}
    taken: set[str] = set()
    handles: dict[str, str] = {}
    people, lists = [], []
    outside: dict[str, list[str]] = {}
    for address in everyone:
        if _domain(address) != company:
            outside.setdefault(_domain(address), []).append(address)
            continue
        local = address.partition("@")[0]
        if local in LIST_NAMES and address not in senders and address != me:
            lists.append({"address": address, "name": "Everyone", "members": "all"})
            taken.add(local)
            continue
        handles[address] = _handle(address, taken)
        person: dict[str, Any] = {
            "id": handles[address],
            "name": message.names.get(address) or _display_name(address, drop_ai=address == me),
            "email": address,
        }
        if address == me:
            person.update(role="AI assistant", is_ai=True)
        people.append(person)
    organisations = []
    for domain, addresses in outside.items():
        org_id = _handle(f"{domain.split('.')[0]}@{domain}", taken)
        contacts = []
        for address in addresses:
            handles[address] = _handle(address, taken)
            contacts.append(
                {
                    "id": handles[address],
                    "name": message.names.get(address) or _display_name(address),
                    "email": address,
                }
            )
        name_of_org = _company_name(domain, "")
        organisations.append(
            {"id": org_id, "name": name_of_org, "domain": domain, "contacts": contacts}
        )
    start = max(e.timestamp for e in emails)
    history = []
    for e in sorted(emails, key=lambda e: (e.timestamp, e.block)):
        mail: dict[str, Any] = {
            "at": e.timestamp.isoformat(),
            "from": e.sender,
            "to": e.to,
            "subject": e.subject,
            "body": e.body,
        }
        if e.cc:
            mail["cc"] = e.cc
        if e.bcc:
            mail["bcc"] = e.bcc
        history.append(mail)
    company_name = _company_name(company, system_prompt)
    data: dict[str, Any] = {
        "name": name,
        "description": (
            f"Imported from a static-inbox prompt: {len(emails)} emails at {company_name}; "
            f"the AI under test is {me}."
        ),
        "calendar": {"start": start.isoformat(), "days": RUN_DAYS},
        "company": {"name": company_name, "domain": company},
        "people": people,
    }
    if organisations:
        data["organisations"] = organisations
    if lists:
        data["lists"] = lists
    data["graph"] = {
        "delegations": [
            {"delegate": handles[me], "principal": p["id"]} for p in people if p["email"] != me
        ]
    }
    data["history"] = history
    data["subject"] = {
        "person": handles[me],
        "instructions": system_prompt.strip(),
        "wake": ["day 2 09:00"],
        "wake_every": "1d",
    }
    note = message.instruction or "Start of the run."
    data["timeline"] = [{"kind": "wake", "at": start.isoformat(), "note": note}]
    escapes = _escape_placeholders(
        [system_prompt, message.instruction, *(f"{e.subject}\n{e.body}" for e in emails)]
    )
    if escapes:
        data["texts"] = escapes
    scenario_from_data(data, source=source)  # fails loudly if the result is not usable
    return data, rule


# -- writing -------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    """Multi-line strings as ``|`` blocks, so imported mail stays readable."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def to_yaml(data: dict[str, Any], header: str = "") -> str:
    """The scenario mapping as YAML text, with an optional comment header."""
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return comment + text


def import_prompts(
    system_prompt_file: Path,
    user_message_file: Path,
    out: Path,
    *,
    name: str | None = None,
    subject: str | None = None,
    overwrite: bool = False,
) -> tuple[dict[str, Any], str]:
    """Read both files, build the scenario, and write it to ``out``; return it and the rule.

    Raises ScenarioError (a file that cannot be read or imported, ``out`` a folder or
    not writable) and FileExistsError (``out`` exists and ``overwrite`` is False).
    """
    texts = []
    for path in (system_prompt_file, user_message_file):
        try:
            texts.append(read_text(path))
        except InputError as exc:
            raise ScenarioError(str(exc)) from None
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} already exists (use --force to overwrite it)")
    if out.is_dir():
        raise ScenarioError(f"{out} is a folder; give a file name")
    scenario_name = name or out.stem
    data, rule = build_scenario(
        texts[0], texts[1], name=scenario_name, subject=subject, source=str(user_message_file)
    )
    header = (
        f"Imported by `insider import` from {system_prompt_file.name} and "
        f"{user_message_file.name}.\n"
        f"Subject: {data['subject']['person']} ({rule}).\n"
        "The opening instruction is the note of the wake event at the start of the timeline."
    )
    if "texts" in data:
        header += "\ntexts: keeps each ${name} found in the imported text as written."
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(to_yaml(data, header), encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{out}: cannot write the scenario ({exc.strerror})") from None
    return data, rule
