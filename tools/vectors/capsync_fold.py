"""The CapSync fold and its period views, written from Protocol/fold.md and Protocol/payloads.md alone.

A second implementation (it shares no code with the Swift sources) of the part of the fold the view vectors
exercise: capacity reports, retractions, needs and pledges (kinds 1-4), item definitions and groups (kinds 7-8,
"The coalition catalog"), drawdown plans and delivery schedules (kinds 11-12), the authority rules, last writer
wins, the state encoding and digest, the views for a month (site figures, totals by item/partner/site, trend,
shortfall matches, and both with interchangeable items counted per group) and the stock projection, under fold
version 2. Pools, forks, removed partners, governance kinds and far-future
flags are left to the Swift-generated vectors in Protocol/vectors/fold/; an entry this module does not
implement raises NotImplementedError rather than being folded wrongly.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import capsync_spec as spec

STATE_DOMAIN = b"CAPSYNC-STATE-V1" + b"\x00"
FOLD_VERSION = 2
KIND_REPORT, KIND_RETRACTION, KIND_NEED, KIND_PLEDGE = 1, 2, 3, 4
KIND_DRAWDOWN, KIND_SCHEDULE = 11, 12
KIND_DEFINITION, KIND_GROUP = 7, 8
# The built-in catalog fold version 2 knows (Protocol/catalog.json).
BUILT_IN_CODES = {item["code"] for item in json.loads(
    (Path(__file__).resolve().parents[2] / "Protocol" / "catalog.json").read_text())["items"]}


# ---------------------------------------------------------------------------------------------------------------
# Payloads (payloads.md)

def text(value: str) -> bytes:
    raw = value.encode()
    return spec.encode_varint(len(raw)) + raw


def month_bytes(month: Tuple[int, int]) -> bytes:
    return month[0].to_bytes(2, "big") + bytes([month[1]])


@dataclass(frozen=True)
class Report:
    partner: str
    item: str
    site: str
    month: Tuple[int, int]
    capacity: int
    output: int
    stock: int
    threshold: int
    lead_time: int
    constraints: str = ""

    def payload(self) -> bytes:
        return (text(self.partner) + text(self.item) + text(self.site) + month_bytes(self.month)
                + b"".join(spec.encode_varint(v) for v in
                           (self.capacity, self.output, self.stock, self.threshold, self.lead_time))
                + text(self.constraints))

    @property
    def available(self) -> int:
        return max(0, self.stock - self.threshold)

    @property
    def spare(self) -> int:
        return max(0, self.capacity - self.output)


@dataclass(frozen=True)
class Retraction:
    partner: str
    item: str
    site: str
    month: Tuple[int, int]

    def payload(self) -> bytes:
        return text(self.partner) + text(self.item) + text(self.site) + month_bytes(self.month)


@dataclass(frozen=True)
class Need:
    owner: str
    code: str
    item: str
    quantity: int
    due: datetime.date
    priority: int
    closed: bool = False

    def payload(self) -> bytes:
        return (text(self.owner) + text(self.code) + text(self.item) + spec.encode_varint(self.quantity)
                + self.due.year.to_bytes(2, "big") + bytes([self.due.month, self.due.day, self.priority,
                                                            1 if self.closed else 0]))


@dataclass(frozen=True)
class Pledge:
    partner: str
    need_owner: str
    need_code: str
    quantity: int

    def payload(self) -> bytes:
        return text(self.partner) + text(self.need_owner) + text(self.need_code) + spec.encode_varint(self.quantity)


@dataclass(frozen=True)
class Drawdown:
    partner: str
    item: str
    site: str
    start: Tuple[int, int]
    end: Tuple[int, int]
    floor: int
    refill: Tuple[Tuple[Tuple[int, int], int], ...] = ()
    withdrawn: bool = False

    def payload(self) -> bytes:
        return (text(self.partner) + text(self.item) + text(self.site) + month_bytes(self.start)
                + month_bytes(self.end) + spec.encode_varint(self.floor) + spec.encode_varint(len(self.refill))
                + b"".join(month_bytes(m) + spec.encode_varint(q) for m, q in self.refill)
                + bytes([1 if self.withdrawn else 0]))


@dataclass(frozen=True)
class Schedule:
    """A delivery schedule: rows of (month, promised, delivered)."""
    partner: str
    need_owner: str
    need_code: str
    rows: Tuple[Tuple[Tuple[int, int], int, int], ...]

    def payload(self) -> bytes:
        return (text(self.partner) + text(self.need_owner) + text(self.need_code)
                + spec.encode_varint(len(self.rows))
                + b"".join(month_bytes(m) + spec.encode_varint(q) + spec.encode_varint(d) for m, q, d in self.rows))


@dataclass(frozen=True)
class Definition:
    partner: str
    code: str
    name: str
    unit: str
    category: str
    nsn: str

    def payload(self) -> bytes:
        return b"".join(text(v) for v in (self.partner, self.code, self.name, self.unit, self.category, self.nsn))


@dataclass(frozen=True)
class Group:
    partner: str
    code: str
    name: str
    members: Tuple[str, ...]

    def payload(self) -> bytes:
        return (text(self.partner) + text(self.code) + text(self.name) + spec.encode_varint(len(self.members))
                + b"".join(text(m) for m in self.members))


CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")
PARTNER = re.compile(r"^[A-Z][A-Z0-9-]{1,15}$")
NSN = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{3}-[0-9]{4})?$")


def malformed(why: str):
    return spec.SpecError("invalidValue", why, "payload")


def check_label(value: str, what: str) -> str:
    raw = value.encode()
    if not 1 <= len(raw) <= 64 or any(b < 0x20 or b == 0x7F for b in raw) or value != value.strip(" "):
        raise malformed(f"{what}: 1-64 bytes, no control bytes, no outer spaces")
    return value


class Reader:
    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def varint(self) -> int:
        value, self.offset = spec.read_varint(self.data, self.offset, "payload")
        return value

    def take(self, count: int) -> bytes:
        if self.offset + count > len(self.data):
            raise spec.SpecError("truncated", "payload ends early", "payload")
        chunk = self.data[self.offset:self.offset + count]
        self.offset += count
        return chunk

    def text(self) -> str:
        return self.take(self.varint()).decode()

    def month(self) -> Tuple[int, int]:
        raw = self.take(3)
        return int.from_bytes(raw[:2], "big"), raw[2]

    def finish(self) -> None:
        if self.offset != len(self.data):
            raise spec.SpecError("trailingBytes", "bytes after the payload", "payload")


def decode_operation(kind: int, payload: bytes):
    """The operation of a kind 1-4, 7 or 8 payload (field ranges are the generator's to respect)."""
    r = Reader(payload)
    if kind == KIND_REPORT:
        op = Report(r.text(), r.text(), r.text(), r.month(), r.varint(), r.varint(), r.varint(), r.varint(),
                    r.varint(), r.text())
    elif kind == KIND_RETRACTION:
        op = Retraction(r.text(), r.text(), r.text(), r.month())
    elif kind == KIND_NEED:
        owner, code, item, quantity = r.text(), r.text(), r.text(), r.varint()
        raw = r.take(6)
        op = Need(owner, code, item, quantity, datetime.date(int.from_bytes(raw[:2], "big"), raw[2], raw[3]),
                  raw[4], raw[5] == 1)
    elif kind == KIND_PLEDGE:
        op = Pledge(r.text(), r.text(), r.text(), r.varint())
    elif kind == KIND_DRAWDOWN:
        partner, item, site, start, end, floor = r.text(), r.text(), r.text(), r.month(), r.month(), r.varint()
        steps = tuple((r.month(), r.varint()) for _ in range(r.varint()))
        op = Drawdown(partner, item, site, start, end, floor, steps, r.take(1) == b"\x01")
    elif kind == KIND_SCHEDULE:
        partner, owner, code = r.text(), r.text(), r.text()
        op = Schedule(partner, owner, code, tuple((r.month(), r.varint(), r.varint()) for _ in range(r.varint())))
    elif kind == KIND_DEFINITION:
        partner, code = r.text(), r.text()
        name, unit, category = check_label(r.text(), "name"), check_label(r.text(), "unit"), check_label(r.text(), "category")
        nsn = r.text()
        if not PARTNER.match(partner) or not CODE.match(code) or not NSN.match(nsn):
            raise malformed("partner, code or NSN out of form")
        op = Definition(partner, code, name, unit, category, nsn)
    elif kind == KIND_GROUP:
        partner, code, name = r.text(), r.text(), check_label(r.text(), "name")
        count = r.varint()
        if count > 64:
            raise spec.SpecError("overLimit", "more than 64 members", "payload")
        members = tuple(r.text() for _ in range(count))
        if not PARTNER.match(partner) or not CODE.match(code) or not all(CODE.match(m) for m in members):
            raise malformed("partner or code out of form")
        if any(a.encode() >= b.encode() for a, b in zip(members, members[1:])):
            raise malformed("members not strictly ascending")
        op = Group(partner, code, name, members)
    else:
        raise NotImplementedError(f"kind {kind} is outside what the view vectors use")
    r.finish()
    return op


def writer_of(op) -> str:
    return op.owner if isinstance(op, Need) else op.partner


# ---------------------------------------------------------------------------------------------------------------
# The fold (fold.md: which entries apply, order of writes, rules, state encoding)

@dataclass
class Applied:
    entry: spec.Entry
    op: object

    @property
    def stamp(self) -> Tuple[int, bytes, bytes]:
        return self.entry.timestamp, self.entry.author, self.entry.entry_id


@dataclass
class FoldResult:
    reports: List[Report]
    needs: List[Need]
    pledges: List[Pledge]
    drawdowns: List[Drawdown]
    schedules: List[Schedule]
    state: bytes
    ignored: List[Tuple[bytes, str]]
    definitions: List[Definition] = None
    groups: List[Tuple[Group, tuple]] = None  # (group as last stated, founding stamp)

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.state).digest()


def fold(entries: List[bytes], roster_text: str) -> FoldResult:
    serial, members = spec.parse_roster(roster_text)
    roster_hash = hashlib.sha256(spec.roster_canonical_bytes(serial, members)).digest()
    by_key = {m.key: m for m in members}
    distinct: Dict[bytes, spec.Entry] = {}
    for raw in entries:
        entry = spec.decode_entry(raw)
        distinct[entry.entry_id] = entry
    seqs = {}
    for entry in distinct.values():
        if (entry.author, entry.seq) in seqs:
            raise NotImplementedError("forks are left to the Swift-generated vectors")
        seqs[(entry.author, entry.seq)] = entry
    applied: List[Applied] = []
    ignored: List[Tuple[bytes, str]] = []
    for entry in distinct.values():
        member = by_key.get(entry.author)
        if member is None:
            ignored.append((entry.entry_id, "notInRoster"))
            continue
        if member.last_valid_seq is not None and entry.seq > member.last_valid_seq:
            ignored.append((entry.entry_id, "pastLastValidSeq"))
            continue
        if entry.version != 1:
            ignored.append((entry.entry_id, "unsupportedVersion"))
            continue
        op = decode_operation(entry.kind, entry.payload)
        if writer_of(op) != member.partner:
            ignored.append((entry.entry_id, "notOwnRecord"))
            continue
        if isinstance(op, Pledge) and op.need_owner == op.partner:
            ignored.append((entry.entry_id, "selfPledge"))
            continue
        if isinstance(op, Definition) and op.code in BUILT_IN_CODES:
            ignored.append((entry.entry_id, "builtInCode"))
            continue
        applied.append(Applied(entry, op))
    # The coalition catalog: per code (and kind) the earliest entry names the owner; others' entries are
    # notCatalogOwner, the owner's definitions in another unit unitChanged; the owner's latest stands.
    catalog: Dict[tuple, List[Applied]] = {}
    for item in applied:
        if isinstance(item.op, (Definition, Group)):
            catalog.setdefault((type(item.op).__name__, item.op.code.encode()), []).append(item)
    catalog_winners: Dict[tuple, Tuple[Applied, Applied]] = {}
    for key, writes in catalog.items():
        writes.sort(key=lambda a: a.stamp)
        founder, winner = writes[0], writes[0]
        for write in writes:
            if write.op.partner != founder.op.partner:
                ignored.append((write.entry.entry_id, "notCatalogOwner"))
            elif isinstance(write.op, Definition) and write.op.unit.encode() != founder.op.unit.encode():
                ignored.append((write.entry.entry_id, "unitChanged"))
            else:
                winner = write
        catalog_winners[key] = (founder, winner)
    applied = [a for a in applied if not isinstance(a.op, (Definition, Group))]
    # Last writer wins: the greatest (timestamp, author key, entry id) per record key.
    winners: Dict[tuple, Applied] = {}
    for item in applied:
        op = item.op
        if isinstance(op, (Report, Retraction)):
            key = ("record", op.partner.encode(), op.item.encode(), op.site.encode(), op.month)
        elif isinstance(op, Need):
            key = ("need", op.owner.encode(), op.code.encode())
        elif isinstance(op, Drawdown):
            key = ("drawdown", op.partner.encode(), op.item.encode(), op.site.encode())
        elif isinstance(op, Schedule):
            key = ("schedule", op.partner.encode(), op.need_owner.encode(), op.need_code.encode())
        else:
            key = ("pledge", op.partner.encode(), op.need_owner.encode(), op.need_code.encode())
        if key not in winners or winners[key].stamp < item.stamp:
            winners[key] = item

    def stamp_bytes(item: Applied) -> bytes:
        e = item.entry
        return e.timestamp.to_bytes(8, "big") + e.author + spec.encode_varint(e.seq) + e.entry_id

    records = sorted((k, v) for k, v in winners.items() if k[0] == "record")
    needs = sorted((k, v) for k, v in winners.items() if k[0] == "need")
    pledges = sorted((k, v) for k, v in winners.items() if k[0] == "pledge")
    drawdowns = sorted((k, v) for k, v in winners.items() if k[0] == "drawdown")
    schedules = sorted((k, v) for k, v in winners.items() if k[0] == "schedule")
    out = bytearray(STATE_DOMAIN + FOLD_VERSION.to_bytes(4, "big") + roster_hash)
    out += spec.encode_varint(len(records))
    for key, item in records:
        out += text(key[1].decode()) + text(key[2].decode()) + text(key[3].decode()) + month_bytes(key[4])
        out += stamp_bytes(item)
        if isinstance(item.op, Report):
            r = item.op
            out += b"\x01" + b"".join(spec.encode_varint(v) for v in
                                      (r.capacity, r.output, r.stock, r.threshold, r.lead_time)) + text(r.constraints)
        else:
            out += b"\x00"
    for group in (needs, pledges):
        out += spec.encode_varint(len(group))
        for _, item in group:
            out += stamp_bytes(item) + item.op.payload()
    out += spec.encode_varint(0) * 3  # pools, pool terms, pool shares: none in the view vectors
    for group in (drawdowns, schedules):
        out += spec.encode_varint(len(group))
        for _, item in group:
            out += stamp_bytes(item) + item.op.payload()
    out += spec.encode_varint(0) * 3  # confirmations, orders, order responses
    definitions = sorted((k[1], v) for k, v in catalog_winners.items() if k[0] == "Definition")
    groups = sorted((k[1], v) for k, v in catalog_winners.items() if k[0] == "Group")
    if definitions or groups:  # written only when the catalog holds something
        out += spec.encode_varint(len(definitions))
        for _, (_, winner) in definitions:
            out += stamp_bytes(winner) + winner.op.payload()
        out += spec.encode_varint(len(groups))
        for _, (founder, winner) in groups:
            out += stamp_bytes(founder) + stamp_bytes(winner) + winner.op.payload()
    ignored.sort(key=lambda x: (distinct[x[0]].author, distinct[x[0]].seq, x[0]))
    return FoldResult(
        reports=[v.op for _, v in records if isinstance(v.op, Report)],
        needs=[v.op for _, v in needs],
        pledges=[v.op for _, v in pledges],
        drawdowns=[v.op for _, v in drawdowns],
        schedules=[v.op for _, v in schedules],
        state=bytes(out),
        ignored=ignored,
        definitions=[w.op for _, (_, w) in definitions],
        groups=[(w.op, f.stamp) for _, (f, w) in groups],
    )


# ---------------------------------------------------------------------------------------------------------------
# Views for a month (fold.md §Views)

def month_number(month: Tuple[int, int]) -> int:
    return month[0] * 12 + month[1] - 1


def month_text(month: Tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def parse_month(value: str) -> Tuple[int, int]:
    year, month = value.split("-")
    return int(year), int(month)


def from_number(n: int) -> Tuple[int, int]:
    return n // 12, n % 12 + 1


def site_figures(reports: List[Report], month: Tuple[int, int], stale_after: int) -> List[dict]:
    best: Dict[tuple, Report] = {}
    for r in reports:
        if month_number(r.month) > month_number(month):
            continue
        key = (r.item.encode(), r.partner.encode(), r.site.encode())
        if key not in best or month_number(best[key].month) < month_number(r.month):
            best[key] = r
    figures = []
    for key in sorted(best):
        r = best[key]
        age = month_number(month) - month_number(r.month)
        figures.append({
            "item": r.item, "partner": r.partner, "site": r.site, "period": month_text(r.month),
            "ageMonths": age, "stale": age > stale_after, "capacity": r.capacity, "output": r.output,
            "stock": r.stock, "threshold": r.threshold, "available": r.available, "spare": r.spare,
            "leadTimeDays": r.lead_time,
        })
    return figures


def totals(figures: List[dict], by: str) -> List[dict]:
    def key(f: dict) -> tuple:
        return {"item": (f["item"],), "partner": (f["partner"], f["item"]), "site": (f["site"], f["item"])}[by]

    groups: Dict[tuple, List[dict]] = {}
    for f in figures:
        groups.setdefault(tuple(k.encode() for k in key(f)), []).append(f)
    result = []
    for k in sorted(groups):
        group = groups[k]
        row = {"item": group[0]["item"]}
        if by == "partner":
            row["partner"] = group[0]["partner"]
        if by == "site":
            row["site"] = group[0]["site"]
        row.update({
            "partners": len({f["partner"] for f in group}),
            "sites": len(group),
            "stalePartners": len({f["partner"] for f in group if f["stale"]}),
            "staleSites": sum(1 for f in group if f["stale"]),
            "capacity": sum(f["capacity"] for f in group),
            "output": sum(f["output"] for f in group),
            "stock": sum(f["stock"] for f in group),
            "available": sum(f["available"] for f in group),
            "spare": sum(f["spare"] for f in group),
            "oldestPeriod": min(f["period"] for f in group),
        })
        result.append(row)
    return result


def trend(reports: List[Report], item: str, first: Tuple[int, int], last: Tuple[int, int],
          view: Tuple[int, int], stale_after: int) -> List[dict]:
    points = []
    for n in range(month_number(first), month_number(last) + 1):
        month = from_number(n)
        plan = n > month_number(view)
        if plan:
            figures = [f for f in site_figures([r for r in reports if r.month == month], month, stale_after)
                       if f["item"] == item]
        else:
            figures = [f for f in site_figures(reports, month, stale_after) if f["item"] == item]
        points.append({
            "period": month_text(month), "plan": plan,
            "capacity": sum(f["capacity"] for f in figures), "output": sum(f["output"] for f in figures),
            "stock": sum(f["stock"] for f in figures), "available": sum(f["available"] for f in figures),
            "partners": len({f["partner"] for f in figures}), "sites": len(figures),
            "staleSites": sum(1 for f in figures if f["stale"]),
        })
    return points


def matches(result: FoldResult, month: Tuple[int, int], stale_after: int, today: datetime.date) -> List[dict]:
    figures = site_figures(result.reports, month, stale_after)
    open_needs = sorted((n for n in result.needs if not n.closed),
                        key=lambda n: (n.due, n.priority, n.owner.encode(), n.code.encode()))
    out = []
    for need in open_needs:
        pledges = [p for p in result.pledges
                   if p.need_owner == need.owner and p.need_code == need.code and p.quantity > 0]
        remaining = max(0, need.quantity - sum(p.quantity for p in pledges))
        candidates = []
        if remaining > 0:
            for f in figures:
                if f["item"] != need.item or f["partner"] == need.owner:
                    continue
                pledged = sum(p.quantity for p in pledges if p.partner == f["partner"])
                ready = today + datetime.timedelta(days=f["leadTimeDays"])
                for source, amount, earliest in (("stock", f["available"], today), ("spare_capacity", f["spare"], ready)):
                    if amount > 0 and earliest <= need.due:
                        candidates.append({
                            "partner": f["partner"], "site": f["site"], "source": source, "amount": amount,
                            "covers": min(amount, remaining), "earliest": earliest.isoformat(),
                            "ageMonths": f["ageMonths"], "stale": f["stale"], "alreadyPledged": pledged,
                        })
            candidates.sort(key=lambda c: (-c["covers"], c["earliest"], c["partner"].encode(), c["site"].encode(),
                                           0 if c["source"] == "stock" else 1))
        out.append({"need": f"{need.owner}:{need.code}", "remaining": remaining, "candidates": candidates})
    return out


# ---------------------------------------------------------------------------------------------------------------
# Stock projection (fold.md §Stock projection)

def projection(result: FoldResult, item: str, start: Tuple[int, int], months: int) -> dict:
    first = month_number(start) + 1
    last = month_number(start) + months
    open_needs = [n for n in result.needs if not n.closed and n.item == item]
    need_keys = {(n.owner, n.code) for n in open_needs}
    schedules = [s for s in result.schedules if (s.need_owner, s.need_code) in need_keys]

    placed: List[Tuple[Schedule, int, int]] = []  # (schedule, month number, outstanding)
    for s in schedules:
        for m, promised, delivered in s.rows:
            outstanding = max(0, promised - delivered)
            at = max(month_number(m), first)
            if outstanding > 0 and at <= last:
                placed.append((s, at, outstanding))

    reports = [r for r in result.reports if r.item == item and month_number(r.month) <= last]
    plans = [d for d in result.drawdowns if d.item == item and not d.withdrawn]
    partners = sorted({r.partner for r in reports} | {d.partner for d in plans}
                      | {s.partner for s in schedules} | {s.need_owner for s in schedules}, key=str.encode)
    start_figures = site_figures(result.reports, start, 0)

    rows_by_partner = []
    for partner in partners:
        own = [r for r in reports if r.partner == partner]
        own_plans = {d.site: d for d in plans if d.partner == partner}
        sites = {r.site for r in own} | set(own_plans)
        stock = sum(f["stock"] for f in start_figures if f["partner"] == partner and f["item"] == item)
        begin = stock
        rows = []
        for n in range(first, last + 1):
            output = threshold = alarm = 0
            refill = None
            drawdown = False
            for site in sites:
                in_force = [r for r in own if r.site == site and month_number(r.month) <= n]
                report = max(in_force, key=lambda r: month_number(r.month)) if in_force else None
                site_threshold = report.threshold if report else 0
                output += report.output if report else 0
                threshold += site_threshold
                plan = own_plans.get(site)
                if plan and month_number(plan.start) <= n <= month_number(plan.end):
                    drawdown = True
                    alarm += plan.floor
                else:
                    alarm += site_threshold
                steps = [q for m, q in plan.refill if month_number(m) <= n] if plan else []
                if steps:
                    refill = (refill or 0) + steps[-1]
            received = sum(q for s, at, q in placed if at == n and s.need_owner == partner)
            sent = sum(q for s, at, q in placed if at == n and s.partner == partner)
            stock = stock + output + received - sent
            if refill is not None and stock < refill:
                status = "refill-behind"
            elif drawdown and stock < alarm:
                status = "below-floor"
            elif drawdown and stock <= threshold:
                status = "planned-drawdown"
            elif stock <= threshold:
                status = "below-threshold"
            else:
                status = "ok"
            rows.append({"period": month_text(from_number(n)), "output": output, "in": received, "out": sent,
                         "stock": stock, "threshold": threshold, "alarm": alarm, "refill": refill,
                         "drawdown": drawdown, "status": status})

        def first_with(status: str) -> Optional[str]:
            return next((r["period"] for r in rows if r["status"] == status), None)

        rows_by_partner.append({"partner": partner, "startStock": begin, "months": rows,
                                "crossesThreshold": first_with("below-threshold"),
                                "crossesFloor": first_with("below-floor"),
                                "refillBehind": first_with("refill-behind")})

    coalition = []
    for index, n in enumerate(range(first, last + 1)):
        due = [x for x in open_needs if x.due.year * 12 + x.due.month - 1 <= n]
        covered = 0
        for x in due:
            delivered = sum(d for s in schedules if (s.need_owner, s.need_code) == (x.owner, x.code)
                            for _, _, d in s.rows)
            coming = sum(q for s, at, q in placed if (s.need_owner, s.need_code) == (x.owner, x.code) and at <= n)
            covered += min(x.quantity, delivered + coming)
        needs_due = sum(x.quantity for x in due)
        coalition.append({
            "period": month_text(from_number(n)),
            "output": sum(p["months"][index]["output"] for p in rows_by_partner),
            "deliveries": sum(p["months"][index]["out"] for p in rows_by_partner),
            "stock": sum(p["months"][index]["stock"] for p in rows_by_partner),
            "needsDue": needs_due, "covered": covered, "shortfall": needs_due - covered,
        })
    return {
        "partners": rows_by_partner,
        "startStock": sum(p["startStock"] for p in rows_by_partner),
        "coalition": coalition,
        "firstShortfall": next((c["period"] for c in coalition if c["shortfall"] > 0), None),
    }


# Interchangeable items (fold.md §Interchangeable items)

def interchangeable(result: FoldResult) -> Dict[str, str]:
    """Item code -> the group it counts in: of the non-empty groups listing it, the one founded first."""
    mapping: Dict[str, str] = {}
    for group, _ in sorted((g for g in result.groups if g[0].members), key=lambda g: g[1]):
        for member in group.members:
            mapping.setdefault(member, group.code)
    return mapping


def interchangeable_totals(result: FoldResult, month: Tuple[int, int], stale_after: int, by: str) -> List[dict]:
    mapping = interchangeable(result)
    figures = [dict(f, item=mapping.get(f["item"], f["item"]), member=f["item"])
               for f in site_figures(result.reports, month, stale_after)]
    rows = totals(figures, by)
    for row in rows:
        row["group"] = row["item"] in set(mapping.values())
        row["items"] = sorted({f["member"] for f in figures if f["item"] == row["item"]}, key=str.encode)
    return rows


def interchangeable_matches(result: FoldResult, month: Tuple[int, int], stale_after: int,
                            today: datetime.date) -> List[dict]:
    mapping = interchangeable(result)
    figures = site_figures(result.reports, month, stale_after)
    open_needs = sorted((n for n in result.needs if not n.closed),
                        key=lambda n: (n.due, n.priority, n.owner.encode(), n.code.encode()))
    out = []
    for need in open_needs:
        group = mapping.get(need.item)
        items = {m for m, g in mapping.items() if g == group} if group else {need.item}
        pledges = [p for p in result.pledges
                   if p.need_owner == need.owner and p.need_code == need.code and p.quantity > 0]
        remaining = max(0, need.quantity - sum(p.quantity for p in pledges))
        candidates = []
        if remaining > 0:
            for f in figures:
                if f["item"] not in items or f["partner"] == need.owner:
                    continue
                pledged = sum(p.quantity for p in pledges if p.partner == f["partner"])
                ready = today + datetime.timedelta(days=f["leadTimeDays"])
                for source, amount, earliest in (("stock", f["available"], today), ("spare_capacity", f["spare"], ready)):
                    if amount > 0 and earliest <= need.due:
                        candidates.append({
                            "item": f["item"], "partner": f["partner"], "site": f["site"], "source": source,
                            "amount": amount, "covers": min(amount, remaining), "earliest": earliest.isoformat(),
                            "ageMonths": f["ageMonths"], "stale": f["stale"], "alreadyPledged": pledged,
                        })
            candidates.sort(key=lambda c: (-c["covers"], c["earliest"], c["partner"].encode(), c["site"].encode(),
                                           0 if c["source"] == "stock" else 1, c["item"].encode()))
        out.append({"need": f"{need.owner}:{need.code}", "group": group, "remaining": remaining,
                    "candidates": candidates})
    return out
