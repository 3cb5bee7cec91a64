"""Names the tests share: the rulebook's rule ids, the closing holders, and the stated vote figures."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "rules" / "icg-2000" / "scenarios"
# One problem line as the command prints it: file:line: category: message.
CLOSING_FILE = str(ROOT / "rules" / "icg-2000" / "captables" / "closing.yaml")
PROBLEM = re.compile(r"^(?P<file>[^:]+?)(?::(?P<line>\d+))?: (?P<category>[a-z][a-z-]*): (?P<message>.+)$")

# Schedule I holders.
LIBERTY = "Liberty Media Corporation"
HMTF_BRIDGE = "HMTF Bridge ICG, LLC"
HM4_QUALIFIED = "HM4 ICG Qualified Fund, LLC"
HM4_PRIVATE = "HM4 ICG Private Fund, LLC"
GLEACHER = "Gleacher/ICG Investors LLC"

# Dates.
FIFTH_ANNIVERSARY = date(2005, 4, 10)
JUNE_2001 = date(2001, 6, 1)
JUNE_2003 = date(2003, 6, 2)
# The Chapter 11 plan's date (WA-AM1 recitals): after it, a 2000 instrument's status must be stated.
PLAN_DATE = date(2002, 4, 3)
IN_FORCE = {"purchase-agreement": "in_force", "certificate-of-designation": "in_force"}


def stated_after_plan(data: dict) -> dict:
    """A scenario dict that states the 2000 instruments in force when its date is after the plan's."""
    if data["as_of"] > PLAN_DATE:
        data.setdefault("instruments", dict(IN_FORCE))
    return data

# Rule ids, in rulebook order.
PA_65 = "pa.6.5.transfer-restriction"
PA_65_NOTICE = "pa.6.5.transferee-notice"
LIBERTY_RULE = "pa.6.6a.liberty-standstill"
HMTF_RULE = "pa.6.6b.hmtf-standstill"
GLEACHER_RULE = "pa.6.6c.gleacher-standstill"
COD_4 = "cod.4.transfer-restriction"
COD_8B = "cod.8b.general-vote-as-converted"
COD_8CI = "cod.8c-i.adverse-amendment-75"
QT = "cod.8c-ii.qualifying-transaction-majority"
NON_QT = "cod.8c-ii.non-qualifying-69"
LIQUIDATION = "cod.8c-ii.liquidation-plan-69"
RESTRICTIVE = "cod.8c-iii.restrictive-agreement-75"
PARITY = "cod.8c-iv.parity-issuance-69"
A1_SERIES = "cod.8c.series-a1-adverse-majority"
A2_SERIES = "cod.8c.series-a2-adverse-majority"
A3_SERIES = "cod.8c.series-a3-adverse-majority"
COD_12I_A1 = "cod.12i.a1-auto-conversion"
COD_12I_A2 = "cod.12i.a2-auto-conversion"
COD_15 = "cod.15.special-covenant-majority"

# Approvals: (body, threshold, shares required, outstanding) on the closing 75,000 Series A.
CLASS = "Series A voting as one class"
AS_CONVERTED = "Common Stock and Series A voting together, the Series A as converted"
VOTING_POWER_2001_06 = (AS_CONVERTED, "majority", 38_952_364, 77_904_727)
MAJORITY = (CLASS, "majority", 37_501, 75_000)
SIXTY_NINE = (CLASS, "69%", 51_750, 75_000)
SEVENTY_FIVE = (CLASS, "75%", 56_250, 75_000)

# Corporate-action building blocks.
NO_AMENDMENT = {"instrument": "none", "adversely_affects": [], "changes_authorized_series_a": False,
                "alters_relative_rights": False}
SURVIVOR_MERGER = {"kind": "merger", "common_stock_votes": True, "company_survives": True, "common_changed": False,
                   "series_a_remains_outstanding": True,
                   "officers_certificate_delivered": True, "opinion_of_counsel_delivered": True,
                   "amendment": NO_AMENDMENT}


def edit(folder: Path, name: str, old: str, new: str) -> int:
    """Replace the one occurrence of `old` in folder/name with `new` (a rulebook copy a test
    breaks on purpose); return the line where `new` starts."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
    start = text.index(old)
    path.write_text(text[:start] + new + text[start + len(old):], encoding="utf-8")
    return text[:start].count("\n") + 1


# What a merger, consolidation or asset sale states for CoD 17(b), and an issuance or an offer for
# CoD 17(a), so that it is no Change of Control (tests/test_change_of_control.py tests the prongs).
NO_COC_COMBINATION = {"counterparty": "other", "prior_holders_pct": {"survivor": 100}, "survivor_has_parent": False,
                      "largest_holder_pct": {"survivor": 35}}
NO_COC_ISSUANCE = {"largest_holder_pct_after": 35}


def no_change_of_control(action: dict) -> dict:
    """The action with the facts that make it no Change of Control, where it states none of them."""
    kind = action.get("kind")
    stated = NO_COC_COMBINATION if kind in ("merger", "consolidation", "asset_sale") else \
        NO_COC_ISSUANCE if kind in ("equity_issuance", "tender_offer", "exchange_offer") else {}
    return {**stated, **action}
