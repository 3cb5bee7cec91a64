"""Issuer tender offers (CoD 12(d)(v), WAR 4(e)) proposed to `check`, and the deferral of the
additional shares of a conversion or exercise between a record date and the event (CoD 12(d)(xi),
WAR 4(i)). Real rulebook, real engine, real CLI."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from clausewise import adjust
from clausewise.errors import InputError
from clausewise.evaluate import evaluate
from clausewise.scenario import load_cap_table

from clitools import run, run_json
from test_adjustments import IN_FORCE, LIBERTY, table

EXPIRY = date(2001, 11, 1)  # the day of the Expiration Time
# 5,000,000 Purchased Shares for $75,000,000 ($15.00 each), the Current Market Price $12.00, the
# 12 Month Net Income a loss (entered as 0): O = 48,582,035 (the closing cap table), and
# (O x CMP) / (C + (O - S) x CMP) = 582,984,420 / 597,984,420 = 9,716,407/9,966,407.
TENDER = {"kind": "tender_offer", "largest_holder_pct_after": 35, "by": "company", "for_common_stock": True,
          "purchased": 5000000, "consideration": Decimal("75000000.00"), "current_market_price": Decimal("12.00"),
          "net_income_12_months": Decimal("0")}
RECORDED = ("{date: 2001-11-01, kind: issuer_tender_offer, purchased: 5000000, consideration: 75000000.00, "
            "current_market_price: 12.00, net_income_12_months: 0}")
RULES = ("cod.12d-v.tender-offer", "war.4e.tender-offer", "cod.12d-x.adjustment-notice", "war.4h.adjustment-notice")


def check(rulebook, make_scenario, action: dict, on: date = EXPIRY, history: list | None = None):
    data = {"as_of": on, "action": action, "instruments": dict(IN_FORCE)}
    if history:
        data["history"] = history
    return evaluate(rulebook, make_scenario(data))


def outcomes(result, rules=RULES) -> tuple:
    return tuple(result.by_rule(r).outcome for r in rules)


# --- 1. a proposed tender offer reports its adjustment ---------------------------------------------

@pytest.mark.parametrize("by", ["company", "subsidiary"])
def test_a_tender_offer_by_the_company_or_a_subsidiary_lowers_both_prices(rulebook, make_scenario, by):
    result = check(rulebook, make_scenario, dict(TENDER, by=by))
    assert outcomes(result) == ("consequence", "consequence", "obligation", "obligation")
    cod, war = result.by_rule("cod.12d-v.tender-offer"), result.by_rule("war.4e.tender-offer")
    assert {k: cod.figures[k] for k in ("adjustment.common_outstanding", "adjustment.conversion_price_before",
                                        "adjustment.conversion_price_factor", "adjustment.conversion_price_after",
                                        "adjustment.tender_consideration", "adjustment.tender_net_income_limit")} == {
        "adjustment.common_outstanding": "48,582,035", "adjustment.conversion_price_before": "$28.00",
        "adjustment.conversion_price_factor": "9,716,407/9,966,407", "adjustment.conversion_price_after": "$27.30",
        "adjustment.tender_consideration": "$75,000,000.00", "adjustment.tender_net_income_limit": "$0.00"}
    # $28.00 x 0.974914... = $27.2978...; $34.00 x it = $33.1469...: to the cent, from the day after.
    assert "adjusted from $28.00 to $27.30 effective 2001-11-02" in cod.explanation
    assert "(O x CMP) / (C + (O - S) x CMP) = 9,716,407/9,966,407" in cod.explanation
    assert war.figures["adjustment.exercise_price_after"] == "$33.15"
    assert "adjusted from $34.00 to $33.15 effective 2001-11-02" in war.explanation
    assert result.by_rule("cod.12d-x.adjustment-notice").figures["adjustment.conversion_price_notice_by"] == "2001-11-22"
    assert "A-adj-tender-offer-aggregate" in cod.assumptions and "A-adj-tender-offer-aggregate" in war.assumptions


@pytest.mark.parametrize("change", [{"by": "third_party"}, {"for_common_stock": False}])
def test_a_third_party_offer_or_one_not_for_common_adjusts_nothing(rulebook, make_scenario, change):
    assert outcomes(check(rulebook, make_scenario, dict(TENDER, **change))) == ("not_applicable",) * 4


def test_a_third_party_offer_needs_no_figures(rulebook, make_scenario):
    bare = {k: v for k, v in TENDER.items() if k not in ("purchased", "consideration", "current_market_price",
                                                          "net_income_12_months")}
    assert outcomes(check(rulebook, make_scenario, dict(bare, by="third_party"))) == ("not_applicable",) * 4


# 5% of $1,500,000,000 is $75,000,000: "exceeds 5%" needs more than that.
@pytest.mark.parametrize("paid, outcome", [("75000000.00", "not_applicable"), ("75000000.01", "consequence")])
def test_the_consideration_must_exceed_5_percent_of_the_12_month_net_income(rulebook, make_scenario, paid, outcome):
    result = check(rulebook, make_scenario, dict(TENDER, consideration=Decimal(paid),
                                                 net_income_12_months=Decimal("1500000000")))
    assert outcomes(result)[:2] == (outcome, outcome)
    cod = result.by_rule("cod.12d-v.tender-offer")
    if outcome == "not_applicable":
        assert cod.figures["adjustment.tender_exceeds_limit"] == "no"
        assert "exceeds 5% of the 12 Month Net Income: no" in cod.explanation
        assert outcomes(result)[2:] == ("not_applicable", "not_applicable")  # no adjustment, no notice
    else:
        assert cod.figures["adjustment.conversion_price_after"] == "$27.30"


def test_the_reason_for_no_adjustment_states_the_figures():
    fields = {"purchased": 5000000, "consideration": Fraction(75000000), "current_market_price": Fraction(12),
              "net_income_12_months": Fraction(1500000000)}
    formula = adjust.FORMULAS["tender_offer"]
    assert formula.factor(48582035, fields) is None
    assert formula.why(48582035, fields) == ("the consideration, $75,000,000.00, does not exceed 5% of the 12 Month "
                                             "Net Income, $75,000,000.00")
    cheap = dict(fields, consideration=Fraction(50000000), net_income_12_months=Fraction(0))
    assert formula.why(48582035, cheap).startswith(
        "the fraction, 29,149,221/28,649,221, would increase the price")  # $10.00 a share, below $12.00


@pytest.mark.parametrize("paid, outcome", [
    ("60000000.00", "not_applicable"),  # $12.00 a share, the market: the fraction is exactly 1
    ("60000000.01", "consequence"),      # a cent more: the price falls (carried forward under 1%)
])
def test_a_tender_offer_that_would_raise_the_price_adjusts_nothing(rulebook, make_scenario, paid, outcome):
    result = check(rulebook, make_scenario, dict(TENDER, consideration=Decimal(paid)))
    cod = result.by_rule("cod.12d-v.tender-offer")
    assert (cod.outcome, result.by_rule("war.4e.tender-offer").outcome) == (outcome, outcome)
    if outcome == "not_applicable":
        assert cod.figures["adjustment.tender_no_increase"] == "no"
    else:
        assert cod.figures["adjustment.conversion_price_adjusted"] == "no"
        assert "carried forward" in cod.explanation
        assert result.by_rule("cod.12d-x.adjustment-notice").outcome == "not_applicable"


@pytest.mark.parametrize("field", ["purchased", "consideration", "current_market_price", "net_income_12_months"])
def test_a_tender_offer_missing_a_figure_cannot_be_decided_and_names_it(rulebook, make_scenario, field):
    result = check(rulebook, make_scenario, {k: v for k, v in TENDER.items() if k != field})
    assert outcomes(result) == ("cannot_determine",) * 4
    named = {"purchased": "adjustment.purchased", "consideration": "adjustment.consideration",
             "current_market_price": "adjustment.current_market_price",
             "net_income_12_months": "adjustment.net_income_12_months"}[field]
    for rule in RULES:
        assert result.by_rule(rule).missing == [named], rule


@pytest.mark.parametrize("on, cod, war", [(date(2005, 4, 10), "consequence", "consequence"),
                                          (date(2005, 4, 11), "consequence", "not_applicable")])
def test_the_warrant_rule_ends_with_the_warrant(rulebook, make_scenario, on, cod, war):
    result = check(rulebook, make_scenario, TENDER, on=on)
    assert (result.by_rule("cod.12d-v.tender-offer").outcome, result.by_rule("war.4e.tender-offer").outcome) == \
        (cod, war)


# --- 2. one event, one answer: proposed on D, or recorded on D and read later ---------------------

def test_a_proposed_tender_offer_gives_the_prices_the_history_gives(rulebook, make_scenario, tmp_path):
    proposed = check(rulebook, make_scenario, TENDER)
    new_cp = proposed.by_rule("cod.12d-v.tender-offer").figures["adjustment.conversion_price_after"]
    new_ep = proposed.by_rule("war.4e.tender-offer").figures["adjustment.exercise_price_after"]
    # The same tender offer recorded on its Expiration Time: in force from the next day.
    cap = load_cap_table(table(tmp_path, RECORDED), rulebook)
    assert cap.common_outstanding == 48582035 - 5000000
    on_day = rulebook.deal(EXPIRY, cap.term_events).parameters
    after = rulebook.deal(date(2001, 11, 2), cap.term_events).parameters
    assert (on_day["conversion_price"], on_day["warrant_exercise_price"]) == (Decimal("28.00"), Decimal("34.00"))
    assert (f"${after['conversion_price']:.2f}", f"${after['warrant_exercise_price']:.2f}") == (new_cp, new_ep) == \
        ("$27.30", "$33.15")
    # A later check reads the price in force: a conversion and an exercise on November 2.
    history = [{"date": EXPIRY, "kind": "issuer_tender_offer", "purchased": 5000000,
                "consideration": Decimal("75000000.00"), "current_market_price": Decimal("12.00"),
                "net_income_12_months": Decimal("0")}]
    conversion = check(rulebook, make_scenario, {"kind": "conversion", "holder": LIBERTY, "security": "series_a1",
                                                 "quantity": 50000}, on=date(2001, 11, 2), history=history)
    assert conversion.by_rule("cod.12a.conversion-right").figures["conversion.conversion_price"] == new_cp
    exercise = check(rulebook, make_scenario, {"kind": "exercise", "holder": LIBERTY, "quantity": 1000000},
                     on=date(2001, 11, 2), history=history)
    assert exercise.by_rule("war.10.exercise-before-expiry").figures["exercise.exercise_price"] == new_ep


# --- 3. the 12 months' other tender offers not adjusted for ---------------------------------------

SMALL = ("{date: %s, kind: issuer_tender_offer, purchased: 1000000, consideration: 12500000.00, "
         "current_market_price: 12.00, net_income_12_months: 1000000000.00}")  # $12.5m, under $50m: not adjusted
UNDER = dict(TENDER, net_income_12_months=Decimal("1000000000.00"), consideration=Decimal("40000000.00"),
             purchased=2500000)  # $40m alone, under 5% of $1bn ($50m); with $12.5m before, $52.5m exceeds it


@pytest.mark.parametrize("earlier, outcome", [
    ("2000-11-01", "consequence"),      # twelve months before, to the day: within the 12 months preceding
    ("2000-10-31", "not_applicable"),   # a day earlier: outside them
])
def test_earlier_offers_not_adjusted_for_count_toward_the_5_percent(rulebook, make_scenario, tmp_path, earlier,
                                                                    outcome):
    history = [{"date": date.fromisoformat(earlier), "kind": "issuer_tender_offer", "purchased": 1000000,
                "consideration": Decimal("12500000.00"), "current_market_price": Decimal("12.00"),
                "net_income_12_months": Decimal("1000000000.00")}]
    result = check(rulebook, make_scenario, UNDER, history=history)
    cod = result.by_rule("cod.12d-v.tender-offer")
    assert (cod.outcome, result.by_rule("war.4e.tender-offer").outcome) == (outcome, outcome)
    assert cod.figures["adjustment.tender_consideration"] == \
        ("$52,500,000.00" if outcome == "consequence" else "$40,000,000.00")
    # The history gives the same answer for the same two offers (A-adj-tender-offer-aggregate).
    second = ("{date: 2001-11-01, kind: issuer_tender_offer, purchased: 2500000, consideration: 40000000.00, "
              "current_market_price: 12.00, net_income_12_months: 1000000000.00}")
    cap = load_cap_table(table(tmp_path, SMALL % earlier, second), rulebook)
    price = rulebook.deal(date(2001, 11, 2), cap.term_events).parameters["conversion_price"]
    if outcome == "consequence":
        assert f"${price:.2f}" == cod.figures["adjustment.conversion_price_after"]
        assert price < Decimal("28.00")
    else:
        assert price == Decimal("28.00")


def test_an_earlier_offer_that_was_adjusted_for_does_not_count(rulebook, make_scenario):
    # The earlier offer paid $20m against a loss: it adjusted the prices, so only $40m is counted.
    history = [{"date": date(2001, 6, 1), "kind": "issuer_tender_offer", "purchased": 1000000,
                "consideration": Decimal("20000000.00"), "current_market_price": Decimal("12.00"),
                "net_income_12_months": Decimal("0")}]
    cod = check(rulebook, make_scenario, UNDER, history=history).by_rule("cod.12d-v.tender-offer")
    assert (cod.outcome, cod.figures["adjustment.tender_consideration"]) == ("not_applicable", "$40,000,000.00")


def test_an_earlier_exchange_offer_counts_for_the_conversion_price_alone(rulebook, make_scenario):
    # CoD 12(d)(vii): no 12(d)(v) adjustment is ever made for an Exchange Offer, so its consideration
    # counts toward the Conversion Price's 5%; WAR 4(e) adjusted the Exercise Price for it (a loss
    # year), so it does not count toward the Exercise Price's.
    history = [{"date": date(2001, 6, 1), "kind": "issuer_exchange_offer", "purchased": 1000000,
                "consideration": Decimal("12500000.00"), "current_market_price": Decimal("12.00"),
                "net_income_12_months": Decimal("0")}]
    result = check(rulebook, make_scenario, UNDER, history=history)
    cod, war = result.by_rule("cod.12d-v.tender-offer"), result.by_rule("war.4e.tender-offer")
    assert (cod.outcome, cod.figures["adjustment.tender_consideration"]) == ("consequence", "$52,500,000.00")
    assert (war.outcome, war.figures["adjustment.tender_consideration_for_warrant"]) == \
        ("not_applicable", "$40,000,000.00")


def test_twelve_months_before_the_end_of_a_month():
    assert adjust.months_before(date(2001, 3, 31), 12) == date(2000, 3, 31)
    assert adjust.months_before(date(2001, 2, 28), 12) == date(2000, 2, 28)
    assert adjust.months_before(date(2000, 2, 29), 12) == date(1999, 2, 28)


# --- 3a. an Exchange Offer: the Exercise Price moves under WAR 4(e), the Conversion Price does not -----

EXCHANGE = dict(TENDER, kind="exchange_offer")
EXCHANGE_RULES = ("war.4e.exchange-offer", "war.4h.adjustment-notice", "cod.12d-vii.exchange-offer-mirror",
                  "cod.12d-x.adjustment-notice")
ON_NET_INCOME = {"net_income_12_months": Decimal("1500000000")}  # 5% of it: $75,000,000


def recorded_exchange(tmp_path, rulebook, consideration: str, net_income: str):
    """The same Exchange Offer recorded on its Expiration Time: the prices in force the day after."""
    cap = load_cap_table(table(tmp_path, (
        f"{{date: 2001-11-01, kind: issuer_exchange_offer, purchased: 5000000, consideration: {consideration}, "
        f"current_market_price: 12.00, net_income_12_months: {net_income}}}")), rulebook)
    after = rulebook.deal(date(2001, 11, 2), cap.term_events).parameters
    return f"${after['conversion_price']:.2f}", f"${after['warrant_exercise_price']:.2f}"


@pytest.mark.parametrize("by", ["company", "subsidiary"])
def test_an_exchange_offer_lowers_the_exercise_price_alone(rulebook, make_scenario, by):
    result = check(rulebook, make_scenario, dict(EXCHANGE, by=by))
    assert outcomes(result, EXCHANGE_RULES) == ("consequence", "obligation", "obligation", "not_applicable")
    war = result.by_rule("war.4e.exchange-offer")
    assert {k: war.figures[k] for k in ("adjustment.common_outstanding", "adjustment.exercise_price_before",
                                        "adjustment.exercise_price_factor", "adjustment.exercise_price_after",
                                        "adjustment.tender_consideration_for_warrant")} == {
        "adjustment.common_outstanding": "48,582,035", "adjustment.exercise_price_before": "$34.00",
        "adjustment.exercise_price_factor": "9,716,407/9,966,407", "adjustment.exercise_price_after": "$33.15",
        "adjustment.tender_consideration_for_warrant": "$75,000,000.00"}
    assert "adjusted from $34.00 to $33.15 effective 2001-11-02" in war.explanation
    # CoD 12(d)(vii): no adjustment to the Conversion Price; the report says so, and works out none.
    assert "The Conversion Price of the Series A is not adjusted: CoD 12(d)(vii) provides" in war.explanation
    assert not any(k.startswith("adjustment.conversion_price") for k in war.figures)
    assert "No adjustment to the Conversion Price is made in connection with the Exchange Offer" in \
        result.by_rule("cod.12d-vii.exchange-offer-mirror").explanation
    assert "cod.12d-v.tender-offer" not in [f.rule for f in result.findings if f.outcome != "not_applicable"]
    notice = result.by_rule("war.4h.adjustment-notice")
    assert (notice.figures["adjustment.exercise_price_after"], notice.figures["adjustment.exercise_price_notice_by"]) \
        == ("$33.15", "2001-11-22")
    assert "A-adj-spinoff-exchange-offer" in war.assumptions


# 5% of $1,500,000,000 is $75,000,000: "exceeds 5%" needs more than that; a loss year (0) is exceeded.
@pytest.mark.parametrize("paid, net_income, outcome, exercise_price", [
    ("75000000.00", "1500000000", "not_applicable", "$34.00"),
    ("75000000.01", "1500000000", "consequence", "$33.15"),
    ("75000000.00", "0", "consequence", "$33.15"),
    ("60000000.00", "0", "not_applicable", "$34.00"),   # $12.00 a share, the market: the fraction is 1
])
def test_a_proposed_exchange_offer_gives_the_exercise_price_the_history_gives(rulebook, make_scenario, tmp_path,
                                                                              paid, net_income, outcome,
                                                                              exercise_price):
    result = check(rulebook, make_scenario, dict(EXCHANGE, consideration=Decimal(paid),
                                                 net_income_12_months=Decimal(net_income)))
    war = result.by_rule("war.4e.exchange-offer")
    assert war.outcome == outcome
    assert result.by_rule("war.4h.adjustment-notice").outcome == \
        ("obligation" if outcome == "consequence" else "not_applicable")
    assert war.figures["adjustment.exercise_price_after"] == exercise_price
    # Recorded as an issuer_exchange_offer on the same day: the same Exercise Price from the day after,
    # and the Conversion Price where it was.
    assert recorded_exchange(tmp_path, rulebook, paid, net_income) == ("$28.00", exercise_price)


@pytest.mark.parametrize("field", ["purchased", "consideration", "current_market_price", "net_income_12_months"])
def test_an_exchange_offer_missing_a_figure_cannot_be_decided_and_names_it(rulebook, make_scenario, field):
    result = check(rulebook, make_scenario, {k: v for k, v in EXCHANGE.items() if k != field})
    assert outcomes(result, EXCHANGE_RULES) == ("cannot_determine", "cannot_determine", "obligation",
                                                "not_applicable")
    named = f"adjustment.{field}"
    for rule in EXCHANGE_RULES[:2]:
        assert result.by_rule(rule).missing == [named], rule


@pytest.mark.parametrize("change", [{"by": "third_party"}, {"for_common_stock": False}])
def test_a_third_party_exchange_offer_or_one_not_for_common_adjusts_nothing(rulebook, make_scenario, change):
    bare = {k: v for k, v in EXCHANGE.items() if k not in ("purchased", "consideration", "current_market_price",
                                                            "net_income_12_months")}
    assert outcomes(check(rulebook, make_scenario, dict(bare, **change)), EXCHANGE_RULES) == ("not_applicable",) * 4


def test_an_earlier_tender_offer_not_adjusted_for_counts_toward_an_exchange_offer(rulebook, make_scenario, tmp_path):
    # $12.5m on 2001-06-01, under 5% of $1bn: not adjusted for; with the exchange offer's $40m, $52.5m exceeds $50m.
    history = [{"date": date(2001, 6, 1), "kind": "issuer_tender_offer", "purchased": 1000000,
                "consideration": Decimal("12500000.00"), "current_market_price": Decimal("12.00"),
                "net_income_12_months": Decimal("1000000000.00")}]
    war = check(rulebook, make_scenario, dict(UNDER, kind="exchange_offer"), history=history) \
        .by_rule("war.4e.exchange-offer")
    assert (war.outcome, war.figures["adjustment.tender_consideration_for_warrant"]) == \
        ("consequence", "$52,500,000.00")
    second = ("{date: 2001-11-01, kind: issuer_exchange_offer, purchased: 2500000, consideration: 40000000.00, "
              "current_market_price: 12.00, net_income_12_months: 1000000000.00}")
    cap = load_cap_table(table(tmp_path, SMALL % "2001-06-01", second), rulebook)
    after = rulebook.deal(date(2001, 11, 2), cap.term_events).parameters
    assert f"${after['warrant_exercise_price']:.2f}" == war.figures["adjustment.exercise_price_after"]
    assert after["warrant_exercise_price"] < Decimal("34.00") and after["conversion_price"] == Decimal("28.00")


@pytest.mark.parametrize("on, outcome", [(date(2005, 4, 10), "consequence"), (date(2005, 4, 11), "not_applicable")])
def test_the_exchange_offer_rule_ends_with_the_warrant(rulebook, make_scenario, on, outcome):
    assert check(rulebook, make_scenario, EXCHANGE, on=on).by_rule("war.4e.exchange-offer").outcome == outcome


@pytest.mark.parametrize("kind, by, shown", [
    ("tender_offer", "company", "the Company"), ("exchange_offer", "subsidiary", "subsidiary")])
def test_the_series_a_approval_names_who_makes_the_offer_once(rulebook, make_scenario, kind, by, shown):
    bare = {k: v for k, v in TENDER.items() if k not in ("purchased", "consideration", "current_market_price",
                                                          "net_income_12_months")}
    f = check(rulebook, make_scenario, dict(bare, kind=kind, by=by)).by_rule("cod.8c-v.tender-offer-majority")
    offer = kind.replace("_", " ")
    assert f.explanation.startswith(
        f"The {offer} for Common Stock made by the Company or a subsidiary (here: {shown}) needs, under CoD "
        "8(c)(v), the approval of a majority of the 75,000 Outstanding shares of Series A voting as one class "
        "(37,501 shares if all 75,000 are Outstanding).")
    assert "the the" not in f.explanation


# --- 4. the deferral of CoD 12(d)(xi) and WAR 4(i) --------------------------------------------------

DIVIDEND = {"date": date(2001, 6, 1), "kind": "common_stock_dividend", "shares_distributed": 4858204,
            "occurs_on": date(2001, 6, 15)}  # record date June 1, paid June 15: $28.00 -> $25.45, $34.00 -> $30.91
CONVERSION = {"kind": "conversion", "holder": LIBERTY, "security": "series_a1", "quantity": 50000}
EXERCISE = {"kind": "exercise", "holder": LIBERTY, "quantity": 1000000}


@pytest.mark.parametrize("on, outcome, now, deferred", [
    (date(2001, 6, 1), "not_applicable", None, None),          # the record date: still $28.00, nothing to defer
    (date(2001, 6, 2), "consequence", "19,552,749", "1,959,116"),   # the day after: $25.45 in force
    (date(2001, 6, 14), "consequence", "19,604,192", "1,964,271"),  # the day before the payment
    (date(2001, 6, 15), "not_applicable", None, None),         # the payment date: not before the event
])
def test_a_conversion_inside_the_deferral_window(rulebook, make_scenario, on, outcome, now, deferred):
    result = check(rulebook, make_scenario, CONVERSION, on=on, history=[DIVIDEND])
    f = result.by_rule("cod.12d-xi.deferral")
    assert f.outcome == outcome
    if outcome == "consequence":
        total = f.figures["conversion.common_issued"]
        assert (f.figures["deferral.conversion_common_now"], f.figures["deferral.conversion_common_deferred"]) == \
            (now, deferred)
        assert int(total.replace(",", "")) == int(now.replace(",", "")) + int(deferred.replace(",", ""))
        assert (f.figures["deferral.conversion_price_before"], f.figures["conversion.conversion_price"]) == \
            ("$28.00", "$25.45")
        assert f.figures["deferral.conversion_event_occurs"] == "2001-06-15"
        assert f"defer until 2001-06-15 the {deferred} additional shares" in f.explanation
        assert "A-adj-deferral-window" in f.assumptions


def test_the_shares_issued_now_are_those_at_the_price_before(rulebook, make_scenario):
    # On June 2 the conversion at $28.00 (no history) issues what the deferral says is issued now.
    before = check(rulebook, make_scenario, CONVERSION, on=date(2001, 6, 2))
    assert before.by_rule("cod.12b.conversion-effective-time").figures["conversion.common_issued"] == "19,552,749"


def test_an_exercise_after_the_record_date_defers_the_4l_shares(rulebook, make_scenario):
    # 1,000,000 Warrant shares at $30.91 were 909,118 at $34.00 (x 30.91 / 34 = 909,117.6, half up).
    f = check(rulebook, make_scenario, EXERCISE, on=date(2001, 6, 2), history=[DIVIDEND]).by_rule("war.4i.deferral")
    assert f.outcome == "consequence"
    assert (f.figures["exercise.common_issued"], f.figures["deferral.exercise_common_now"],
            f.figures["deferral.exercise_common_deferred"]) == ("1,000,000", "909,118", "90,882")
    assert (f.figures["deferral.exercise_price_before"], f.figures["exercise.exercise_price"]) == ("$34.00", "$30.91")
    on_payment = check(rulebook, make_scenario, EXERCISE, on=date(2001, 6, 15), history=[DIVIDEND])
    assert on_payment.by_rule("war.4i.deferral").outcome == "not_applicable"


def test_the_payment_date_not_stated_cannot_be_decided(rulebook, make_scenario):
    unstated = {k: v for k, v in DIVIDEND.items() if k != "occurs_on"}
    result = check(rulebook, make_scenario, CONVERSION, on=date(2001, 6, 2), history=[unstated])
    f = result.by_rule("cod.12d-xi.deferral")
    assert (f.outcome, f.missing) == ("cannot_determine", ["deferral.conversion_event_occurs"])
    # The conversion itself is still decided at the adjusted price.
    assert result.by_rule("cod.12b.conversion-effective-time").figures["conversion.common_issued"] == "21,511,865"


@pytest.mark.parametrize("event", [
    {"date": date(2001, 6, 1), "kind": "common_subdivision", "new_shares": 2, "old_shares": 1},  # effective the day after it
    {"date": date(2001, 6, 1), "kind": "issuer_tender_offer", "purchased": 5000000,
     "consideration": Decimal("75000000.00"), "current_market_price": Decimal("12.00"),
     "net_income_12_months": Decimal("0")},  # effective the day after its Expiration Time
])
def test_an_adjustment_not_made_after_a_record_date_is_not_deferred(rulebook, make_scenario, event):
    result = check(rulebook, make_scenario, CONVERSION, on=date(2001, 6, 2), history=[event])
    assert result.by_rule("cod.12d-xi.deferral").outcome == "not_applicable"


def test_a_record_date_adjustment_under_1_percent_gives_nothing_to_defer(rulebook, make_scenario):
    small = dict(DIVIDEND, shares_distributed=100000)  # 0.2%: carried forward, the price unchanged
    f = check(rulebook, make_scenario, CONVERSION, on=date(2001, 6, 2), history=[small]).by_rule("cod.12d-xi.deferral")
    assert (f.outcome, f.figures["deferral.conversion_common_deferred"]) == ("not_applicable", "0")


def test_the_event_cannot_occur_before_its_record_date(rulebook, tmp_path):
    path = table(tmp_path, "{date: 2001-06-01, kind: distribution, fair_market_value_per_share: 2.00, "
                           "current_market_price: 20.00, occurs_on: 2001-05-31}")
    with pytest.raises(InputError) as info:
        load_cap_table(path, rulebook)
    line = path.read_text(encoding="utf-8").splitlines().index(next(
        t for t in path.read_text(encoding="utf-8").splitlines() if "occurs_on" in t)) + 1
    assert [(p.line, p.category, p.message) for p in info.value.problems] == [
        (line, "bad-date", "history[0].occurs_on: 2001-05-31 is before the event (2001-06-01)")]


# --- 5. the command line and the sample scenarios ---------------------------------------------------

@pytest.mark.parametrize("name, code, rule, outcome", [
    ("adjustment-tender-offer-by-subsidiary-2001.yaml", 0, "cod.12d-v.tender-offer", "consequence"),
    ("adjustment-tender-offer-under-net-income-threshold-2001.yaml", 0, "cod.12d-v.tender-offer", "not_applicable"),
    ("adjustment-tender-offer-consideration-not-stated-2001.yaml", 1, "cod.12d-v.tender-offer", "cannot_determine"),
    ("exchange-offer-by-company-lowers-exercise-price-2001.yaml", 1, "war.4e.exchange-offer", "consequence"),
    ("exchange-offer-by-subsidiary-mirror-2001.yaml", 1, "war.4e.exchange-offer", "not_applicable"),
    ("deferral-conversion-after-record-date-2001.yaml", 0, "cod.12d-xi.deferral", "consequence"),
    ("deferral-conversion-on-payment-date-2001.yaml", 0, "cod.12d-xi.deferral", "not_applicable"),
    ("deferral-exercise-after-record-date-2001.yaml", 0, "war.4i.deferral", "consequence"),
])
def test_the_sample_scenarios_from_the_command_line(name, code, rule, outcome):
    rc, data = run_json("check", f"samples/scenarios/{name}")
    assert rc == code
    assert {f["rule"]: f["outcome"] for f in data["findings"]}[rule] == outcome


def test_the_markdown_report_of_a_deferral():
    out = " ".join(run("check", "samples/scenarios/deferral-conversion-after-record-date-2001.yaml").stdout.split())
    assert ("Under CoD 12(d)(xi) the Company may issue now the 19,552,749 shares of Common Stock issuable before "
            "giving effect to the adjustment and defer until 2001-06-15 the 1,959,116 additional shares it gives "
            "(21,511,865 in all)") in out
