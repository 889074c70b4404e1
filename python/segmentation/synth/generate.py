"""Generate the lines: the catalogue, the plan of customers and invoices, the chunks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .spec import (
    ADJUST_CODE,
    ADJUST_DESCRIPTION,
    BAD_VALUE_KINDS,
    CATALOGUE_SIZE,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    DAYS,
    DEFAULT_START,
    FIRST_INVOICE,
    FLOAT_ID_SHARE,
    GUEST_LINES_PER_INVOICE,
    GUEST_QUANTITIES,
    ID_MESS_KINDS,
    ID_MESS_RATES,
    KINDS,
    LINES_PER_CHUNK,
    MAX_CUSTOMERS_PER_CHUNK,
    MESS_RATES,
    NA_ID_SPELLINGS,
    NON_NUMERIC_ID_SPELLINGS,
    NON_PRODUCTS,
    REASON_OF_KIND,
    REASONS,
    SEGMENTS,
    STRUCTURAL_KINDS,
    PlantedSegment,
    _check_int,
    planted_segments,
)

# ------------------------------------------------------------------------ catalogue

_STYLES = (
    "WHITE HANGING", "RED RETROSPOT", "VINTAGE", "REGENCY", "PANTRY", "JUMBO", "PINK POLKADOT",
    "BLUE", "GLASS STAR", "WOODEN", "SKULL", "ENGLISH ROSE", "ANTIQUE SILVER", "PAISLEY",
    "SPACEBOY", "DOLLY GIRL", "CHARLOTTE", "LOVE", "HOME SWEET HOME", "SWEETHEART", "GREEN",
    "IVORY", "ZINC", "ENAMEL", "CERAMIC", "BAROQUE", "FELTCRAFT", "WOODLAND", "RETRO",
    "STRAWBERRY",
)  # fmt: skip
_ITEMS = (
    "T-LIGHT HOLDER", "LANTERN", "CAKE TINS", "TEA SET", "MUG", "DOORMAT", "CUSHION COVER",
    "BUNTING", "GIFT BAG", "JAM JAR", "PHOTO FRAME", "WALL CLOCK", "LUNCH BOX", "PARTY CUPS",
    "NAPKINS", "CANDLE", "WATER BOTTLE", "HEART DECORATION", "CHOPSTICKS", "PURSE", "METAL SIGN",
    "TRAY", "BOWL", "PLATE", "EGG CUP", "BIRD HOUSE", "WRAP", "NOTEBOOK", "STICKERS", "PEG BAG",
    "SHOPPER BAG", "PLASTERS IN TIN", "PARASOL", "TISSUES", "CAKE STAND", "CHALKBOARD",
    "DRAWER KNOB", "KEY RING", "HAND WARMER", "ALARM CLOCK",
)  # fmt: skip
_COMMA_VARIANTS = ("ASSORTED", "SET OF 2", "PACK OF 6", "LARGE", "SMALL")
_QUOTE_WORDS = ("HOME", "LOVE", "KEEP CALM", "HELLO", "OPEN", "MERRY CHRISTMAS")
_LATIN1_DESCRIPTIONS = (
    "CAFÉ AU LAIT MUG",
    "CRÈME BRÛLÉE DISH",
    "£1 GIFT TAG",
    "NOËL GARLAND",
    "PÂTISSERIE CAKE TIN",
    "SMÖRGÅSBORD TRAY",
    "JALAPEÑO CHILLI LIGHTS",
    "FAÇADE WALL SIGN",
    "MÜSLI JAR",
    "ROSÉ WINE GLASS",
    'CAFÉ SIGN "OPEN", BLACK',
    "CRÈME DE LA CRÈME MUG",
)


@dataclass(frozen=True)
class _Catalogue:
    stock_codes: np.ndarray  # object, the item vocabulary: products, non-products, B
    descriptions: np.ndarray  # object, same length
    price_cents: np.ndarray  # int64, products only
    popularity: np.ndarray  # float, products only, sums to 1


def _catalogue(rng: np.random.Generator) -> _Catalogue:
    """The products of one seed, followed by the non-product codes and ``B``."""
    n_special = 12 + 8 + len(_LATIN1_DESCRIPTIONS)
    combos = [f"{style} {item}" for style in _STYLES for item in _ITEMS]
    picked = rng.choice(len(combos), CATALOGUE_SIZE - n_special + 20, replace=False)
    plain = [combos[i] for i in picked]
    # 20 of the picked names get a comma or quotes added (so stay unique), the rest are plain
    commas = [f"{plain.pop()}, {_COMMA_VARIANTS[i % len(_COMMA_VARIANTS)]}" for i in range(12)]
    quotes = [f'{plain.pop()} "{_QUOTE_WORDS[i % len(_QUOTE_WORDS)]}"' for i in range(8)]
    descriptions = np.array([*plain, *commas, *quotes, *_LATIN1_DESCRIPTIONS], dtype=object)
    descriptions = descriptions[rng.permutation(CATALOGUE_SIZE)]

    numbers = rng.choice(np.arange(10002, 24000), CATALOGUE_SIZE, replace=False)
    suffix = np.where(
        rng.random(CATALOGUE_SIZE) < 0.15,
        np.array(list("ABCDEFG"), dtype=object)[rng.integers(0, 7, CATALOGUE_SIZE)],
        "",
    )
    codes = np.array([f"{n}{s}" for n, s in zip(numbers, suffix, strict=True)], dtype=object)
    price = np.clip(np.round(np.exp(rng.normal(np.log(250), 0.75, CATALOGUE_SIZE))), 19, 4995)
    weight = 1.0 / (rng.permutation(CATALOGUE_SIZE) + 5.0) ** 0.8
    weight[np.isin(descriptions, _LATIN1_DESCRIPTIONS)] *= 3  # so small files carry them too
    return _Catalogue(
        stock_codes=np.array([*codes, *(np_[0] for np_ in NON_PRODUCTS), ADJUST_CODE], object),
        descriptions=np.array(
            [*descriptions, *(np_[1] for np_ in NON_PRODUCTS), ADJUST_DESCRIPTION], object
        ),
        price_cents=price.astype(np.int64),
        popularity=weight / weight.sum(),
    )


# ------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class _Plan:
    seed: int
    mess: bool
    start: dt.date
    customers: int
    scale: float  # multiplies (lines per invoice - 1)
    segments: tuple[PlantedSegment, ...]  # the planted types (planted_segments)
    segment: np.ndarray  # per customer, index into segments
    customer_id: np.ndarray
    country: np.ndarray
    float_id: np.ndarray
    invoices: np.ndarray
    recency: np.ndarray
    first_recency: np.ndarray
    catalogue: _Catalogue
    chunk_size: int
    first_invoice: int
    id_messes: bool = False


def _mess_overhead(mess: bool) -> float:
    return sum(MESS_RATES.values()) if mess else 0.0


def _per_customer(
    scale: float, mess: bool, segments: tuple[PlantedSegment, ...] = SEGMENTS
) -> tuple[float, float]:
    """Expected (invoices, lines) per customer at a lines-per-invoice scale."""
    invoices = sum(s.share * (s.invoices[0] + s.invoices[1]) / 2 for s in segments)
    lines = sum(
        s.share * (s.invoices[0] + s.invoices[1]) / 2 * (1 + (s.lines_per_invoice - 1) * scale)
        for s in segments
    )
    return invoices, lines * (1 + _mess_overhead(mess))


def _size(
    customers: int | None, lines: int | None, mess: bool, segments: tuple[PlantedSegment, ...]
) -> tuple[int, float]:
    """Customer count and lines-per-invoice scale that give about ``lines`` lines."""
    if lines is None:
        assert customers is not None
        return customers, 1.0
    if customers is None:
        return max(1, round(lines / _per_customer(1.0, mess, segments)[1])), 1.0
    low, high = _per_customer(0.0, mess, segments)[1], _per_customer(1.0, mess, segments)[1]
    scale = (lines / customers - low) / (high - low)
    most = max(s.lines_per_invoice for s in segments) - 1
    if scale < 0:
        raise ValueError(
            f"lines must be at least about {round(low * customers)} for customers={customers} "
            f"(every invoice has a line); got {lines}: lower customers or raise lines"
        )
    if scale * most > CATALOGUE_SIZE / 3:
        top = round(_per_customer(CATALOGUE_SIZE / 3 / most, mess, segments)[1] * customers)
        raise ValueError(
            f"lines must be at most about {top} for customers={customers}; got {lines}: "
            "raise customers or leave customers out"
        )
    return customers, scale


def _plan(
    customers: int | None,
    seed: int,
    mess: bool,
    start: dt.date,
    lines: int | None,
    churn_share: float = 0.0,
    id_messes: bool = False,
) -> _Plan:
    if customers is None and lines is None:
        raise ValueError("customers must be an integer >= 1 (or give lines); got None")
    if customers is not None:
        customers = _check_int("customers", customers, 1)
    seed = _check_int("seed", seed, 0)
    if lines is not None:
        lines = _check_int("lines", lines, 1)
    if not isinstance(mess, bool):
        raise ValueError(f"mess must be True or False; got {mess!r}")
    if not isinstance(id_messes, bool):
        raise ValueError(f"id_messes must be True or False; got {id_messes!r}")
    if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        raise ValueError(f"start must be a datetime.date; got {start!r}")
    segments = planted_segments(churn_share)
    n, scale = _size(customers, lines, mess, segments)

    rng = np.random.Generator(np.random.PCG64(seed))
    catalogue = _catalogue(rng)
    shares = np.array([s.share for s in segments])
    counts = np.floor(shares * n).astype(np.int64)
    leftover = np.argsort(-(shares * n - counts), kind="stable")[: n - counts.sum()]
    counts[leftover] += 1
    segment = rng.permutation(np.repeat(np.arange(len(segments), dtype=np.int8), counts))
    span = 7000 if n <= 7000 else 3 * n
    customer_id = 12000 + rng.choice(span, n, replace=False).astype(np.int64)
    country = rng.choice(len(COUNTRIES), n, p=COUNTRY_WEIGHTS / COUNTRY_WEIGHTS.sum())
    float_id = (rng.random(n) < FLOAT_ID_SHARE) & mess

    def per_segment(pick) -> tuple[np.ndarray, np.ndarray]:
        low = np.array([pick(s)[0] for s in segments])[segment]
        high = np.array([pick(s)[1] for s in segments])[segment]
        return low, high

    # invoice counts stratified within each type (one draw per equal-probability slice of
    # the range), so the total number of lines is close to its expectation even for few
    # customers and --lines hits its target
    low, high = per_segment(lambda s: s.invoices)
    by_segment = np.lexsort((rng.random(n), segment))  # random slice order within a type
    slice_ = np.empty(n, np.int64)
    slice_[by_segment] = _positions(counts)
    quantile = (slice_ + rng.random(n)) / counts[segment]
    invoices = low + np.floor(quantile * (high - low + 1)).astype(np.int64)
    low, high = per_segment(lambda s: s.recency_days)
    recency = rng.integers(low, high + 1)
    low, high = per_segment(lambda s: s.first_purchase_days)
    max_active = np.array([s.max_active_days for s in segments])[segment]
    first_low = np.maximum(recency, low)
    first_high = np.minimum(high, recency + max_active)
    first_recency = rng.integers(first_low, first_high + 1)

    per_invoice, per_line = _per_customer(scale, mess, segments)
    chunk = int(min(MAX_CUSTOMERS_PER_CHUNK, max(1, LINES_PER_CHUNK // per_line)))
    # invoices per customer incl. guest, cancellation and adjustment invoices, with room
    bound = 3 * per_invoice * n * (1 + _mess_overhead(mess)) + 1000
    fits = FIRST_INVOICE + bound <= 999_999
    first_invoice = FIRST_INVOICE if fits else 10 ** len(str(int(bound)))
    return _Plan(
        seed=seed,
        mess=mess,
        start=start,
        customers=n,
        scale=scale,
        segments=segments,
        segment=segment,
        customer_id=customer_id,
        country=country,
        float_id=float_id,
        invoices=invoices,
        recency=recency,
        first_recency=first_recency,
        catalogue=catalogue,
        chunk_size=chunk,
        first_invoice=first_invoice,
        id_messes=id_messes,
    )


# ------------------------------------------------------------------- generation


def _positions(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., count-1 for every group, concatenated (the rank within np.repeat)."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def _pick(rng: np.random.Generator, n: int, rate: float, population: int) -> np.ndarray:
    """Distinct indices below ``population``: about ``rate * n`` of them, at least one."""
    k = min(population, max(1, round(rate * n)))
    return np.sort(rng.choice(population, k, replace=False)) if population else np.empty(0, int)


def _business_minute(rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    """Minutes since ``start`` of a random time between 07:00 and 19:59 on ``day``."""
    return day * 1440 + rng.integers(7 * 60, 20 * 60, len(day))


@dataclass
class _Lines:
    """Line-level arrays of one chunk, before ordering."""

    invoice: list[np.ndarray]
    position: list[np.ndarray]
    item: list[np.ndarray]
    quantity: list[np.ndarray]
    price: list[np.ndarray]
    kind: list[np.ndarray]

    def add(self, invoice, position, item, quantity, price, kind: str) -> None:
        n = len(invoice)
        self.invoice.append(np.asarray(invoice, np.int64))
        self.position.append(np.broadcast_to(np.asarray(position, np.float64), n))
        self.item.append(np.asarray(item, np.int64))
        self.quantity.append(np.broadcast_to(np.asarray(quantity, np.int64), n))
        self.price.append(np.broadcast_to(np.asarray(price, np.int64), n))
        self.kind.append(np.full(n, KINDS.index(kind), np.int8))


def _invoice_lines(
    rng: np.random.Generator,
    plan: _Plan,
    n_lines: np.ndarray,
    quantity_table: np.ndarray,
    quantity_group: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lines of invoices with ``n_lines`` lines each: (invoice, position, product, quantity)."""
    cat = plan.catalogue
    invoice = np.repeat(np.arange(len(n_lines)), n_lines)
    position = _positions(n_lines)
    base = rng.choice(CATALOGUE_SIZE, len(n_lines), p=cat.popularity)
    stride = rng.integers(1, CATALOGUE_SIZE, len(n_lines))
    product = (base[invoice] + position * stride[invoice]) % CATALOGUE_SIZE
    group = quantity_group[invoice]
    sizes = (quantity_table > 0).sum(axis=1)
    pick = np.floor(rng.random(len(invoice)) * sizes[group]).astype(np.int64)
    return invoice, position, product, quantity_table[group, pick]


def _chunk(plan: _Plan, index: int, invoice_offset: int) -> tuple[pd.DataFrame, int]:
    """Generate the lines of customer chunk ``index``; return them and the invoices used."""
    rng = np.random.Generator(np.random.PCG64(plan.seed).jumped(index + 1))
    cat = plan.catalogue
    customers = np.arange(
        index * plan.chunk_size, min(plan.customers, (index + 1) * plan.chunk_size)
    )
    groups = [*plan.segments, None]  # the last group is guests
    quantity_table = np.zeros((len(groups), 16), np.int64)
    for g, s in enumerate(groups):
        q = s.quantities if s else GUEST_QUANTITIES
        quantity_table[g, : len(q)] = q
    lines_mean = np.array([s.lines_per_invoice if s else GUEST_LINES_PER_INVOICE for s in groups])

    # customer invoices: the last on the recency day, the second on the first-purchase day
    inv_customer = np.repeat(customers, plan.invoices[customers])
    k = _positions(plan.invoices[customers])
    last, first = plan.recency[inv_customer], plan.first_recency[inv_customer]
    days_before = last + np.floor(rng.random(len(k)) * (first - last + 1)).astype(np.int64)
    days_before = np.where(k == 0, last, np.where(k == 1, first, days_before))
    same_day = (k >= 2) & (rng.random(len(k)) < 0.03)
    days_before[same_day] = days_before[np.flatnonzero(same_day) - 1]
    inv_minute = _business_minute(rng, DAYS - days_before)
    inv_group = plan.segment[inv_customer].astype(np.int64)
    n_lines = 1 + rng.poisson((lines_mean[inv_group] - 1) * plan.scale)
    n_lines = np.minimum(n_lines, CATALOGUE_SIZE)
    invoice, position, product, quantity = _invoice_lines(
        rng, plan, n_lines, quantity_table, inv_group
    )
    n_clean = len(invoice)
    n_customer_invoices = len(k)

    lines = _Lines([], [], [], [], [], [])
    lines.add(invoice, position, product, quantity, cat.price_cents[product], "clean")
    inv_customer_all = [inv_customer]
    inv_minute_all = [inv_minute]
    inv_prefix = [np.zeros(len(k), np.int8)]  # 0 none, 1 C, 2 A
    inv_guest_country = [np.zeros(len(k), np.int64)]

    if plan.mess:
        n_invoices = n_customer_invoices

        def copy(kind: str) -> np.ndarray:
            return _pick(rng, n_clean, MESS_RATES[kind], n_clean)

        # guests: own invoices, no customer id
        guest_lines = MESS_RATES["missing_customer_id"] * n_clean
        guest_per_invoice = 1 + (GUEST_LINES_PER_INVOICE - 1) * plan.scale
        n_guest = max(1, round(guest_lines / guest_per_invoice))
        g_lines = 1 + rng.poisson((GUEST_LINES_PER_INVOICE - 1) * plan.scale, n_guest)
        g_lines = np.minimum(g_lines, CATALOGUE_SIZE)
        g_invoice, g_position, g_product, g_quantity = _invoice_lines(
            rng, plan, g_lines, quantity_table, np.full(n_guest, len(plan.segments))
        )
        lines.add(
            g_invoice + n_invoices,
            g_position,
            g_product,
            g_quantity,
            cat.price_cents[g_product],
            "missing_customer_id",
        )
        inv_customer_all.append(np.full(n_guest, -1))
        inv_minute_all.append(_business_minute(rng, rng.integers(0, DAYS, n_guest)))
        inv_prefix.append(np.zeros(n_guest, np.int8))
        inv_guest_country.append(
            rng.choice(len(COUNTRIES), n_guest, p=COUNTRY_WEIGHTS / COUNTRY_WEIGHTS.sum())
        )
        n_invoices += n_guest

        # copies of clean lines that stay on their invoice
        rows = copy("duplicate")
        lines.add(
            invoice[rows],
            position[rows] + 0.5,
            product[rows],
            quantity[rows],
            cat.price_cents[product[rows]],
            "duplicate",
        )
        rows = copy("non_positive_quantity")
        bad_quantity = np.array([0, -1, -2, -3, -6, -12])[rng.integers(0, 6, len(rows))]
        lines.add(
            invoice[rows],
            n_lines[invoice[rows]] + 1.0,
            product[rows],
            bad_quantity,
            cat.price_cents[product[rows]],
            "non_positive_quantity",
        )
        rows = copy("zero_price")
        lines.add(
            invoice[rows],
            n_lines[invoice[rows]] + 2.0,
            product[rows],
            quantity[rows],
            0,
            "zero_price",
        )
        for offset, kind in enumerate((*BAD_VALUE_KINDS, *STRUCTURAL_KINDS)):
            rows = copy(kind)
            lines.add(
                invoice[rows],
                position[rows] + 0.25 + offset / 100,
                product[rows],
                quantity[rows],
                cat.price_cents[product[rows]],
                kind,
            )

        # one non-product line on distinct customer invoices
        on = _pick(rng, n_clean, MESS_RATES["non_product_code"], n_customer_invoices)
        weights = np.array([npc[2] for npc in NON_PRODUCTS])
        which = rng.choice(len(NON_PRODUCTS), len(on), p=weights / weights.sum())
        low = np.array([npc[3] for npc in NON_PRODUCTS])[which]
        high = np.array([npc[4] for npc in NON_PRODUCTS])[which]
        lines.add(
            on,
            n_lines[on] + 3.0,
            CATALOGUE_SIZE + which,
            np.where(which == 0, rng.integers(1, 4, len(on)), 1),
            rng.integers(low, high + 1),
            "non_product_code",
        )

        # cancellations: one C invoice per original invoice, 0-14 days later
        rows = copy("cancellation")
        originals, c_invoice = np.unique(invoice[rows], return_inverse=True)
        c_day = np.minimum(
            inv_minute[originals] // 1440 + rng.integers(0, 15, len(originals)), DAYS - 1
        )
        c_minute = np.maximum(_business_minute(rng, c_day), inv_minute[originals] + 1)
        lines.add(
            c_invoice + n_invoices,
            position[rows],
            product[rows],
            -quantity[rows],
            cat.price_cents[product[rows]],
            "cancellation",
        )
        inv_customer_all.append(inv_customer[originals])
        inv_minute_all.append(c_minute)
        inv_prefix.append(np.ones(len(originals), np.int8))
        inv_guest_country.append(np.zeros(len(originals), np.int64))
        n_invoices += len(originals)

        # adjust bad debt: own A invoices of planted customers, negative price
        n_adjust = max(1, round(MESS_RATES["adjust_bad_debt"] * n_clean))
        lines.add(
            np.arange(n_adjust) + n_invoices,
            0.0,
            np.full(n_adjust, len(cat.stock_codes) - 1),
            1,
            -rng.integers(100_000, 2_000_001, n_adjust),
            "adjust_bad_debt",
        )
        inv_customer_all.append(rng.choice(customers, n_adjust))
        inv_minute_all.append(_business_minute(rng, rng.integers(0, DAYS, n_adjust)))
        inv_prefix.append(np.full(n_adjust, 2, np.int8))
        inv_guest_country.append(np.zeros(n_adjust, np.int64))

    if plan.id_messes:
        # copies of clean lines whose CustomerID is text, from a stream of their own
        id_rng = _id_mess_rng(plan, index)
        for offset, kind in enumerate(ID_MESS_KINDS):
            rows = _pick(id_rng, n_clean, ID_MESS_RATES[kind], n_clean)
            lines.add(
                invoice[rows],
                position[rows] + 0.35 + offset / 100,
                product[rows],
                quantity[rows],
                cat.price_cents[product[rows]],
                kind,
            )

    # invoice numbers in order of time
    invoice_customer = np.concatenate(inv_customer_all)
    invoice_minute = np.concatenate(inv_minute_all)
    invoice_prefix = np.concatenate(inv_prefix)
    invoice_guest_country = np.concatenate(inv_guest_country)
    n_inv = len(invoice_minute)
    order = np.lexsort((rng.random(n_inv), invoice_minute))
    rank = np.empty(n_inv, np.int64)
    rank[order] = np.arange(n_inv)
    numbers = plan.first_invoice + invoice_offset + rank
    if plan.first_invoice == FIRST_INVOICE and numbers.max(initial=0) > 999_999:
        raise RuntimeError("invoice numbers overflowed 6 digits")  # the bound above prevents it
    invoice_text = pc.binary_join_element_wise(
        pa.array(np.array(["", "C", "A"], dtype=object)[invoice_prefix], pa.string()),
        pc.cast(pa.array(numbers), pa.string()),
        "",
    )

    line_invoice = np.concatenate(lines.invoice)
    line_order = np.lexsort(
        (np.arange(len(line_invoice)), np.concatenate(lines.position), rank[line_invoice])
    )
    line_invoice = line_invoice[line_order]
    item = np.concatenate(lines.item)[line_order]
    line_kind = np.concatenate(lines.kind)[line_order]
    cust = invoice_customer[line_invoice]
    guest = cust < 0
    known = np.where(guest, 0, cust)
    country = np.where(guest, invoice_guest_country[line_invoice], plan.country[known])
    reason_of_kind = np.array([REASONS.index(REASON_OF_KIND[k]) for k in KINDS], np.int8)
    frame = pd.DataFrame(
        {
            "invoice_no": pc.take(invoice_text, pa.array(line_invoice)).to_pandas(),
            "stock_code": pd.Categorical.from_codes(item, categories=cat.stock_codes),
            "description": pd.Categorical.from_codes(item, categories=cat.descriptions),
            "quantity": np.concatenate(lines.quantity)[line_order],
            "invoice_date": np.datetime64(plan.start, "s")
            + (invoice_minute[line_invoice] * 60).astype("timedelta64[s]"),
            "unit_price": np.concatenate(lines.price)[line_order] / 100.0,
            "customer_id": pd.arrays.IntegerArray(plan.customer_id[known], guest),
            "country": pd.Categorical.from_codes(country, categories=COUNTRIES),
            "planted_segment": pd.Categorical.from_codes(
                np.where(guest, -1, plan.segment[known]),
                categories=[segment.name for segment in plan.segments],
            ),
            "mess": pd.Categorical.from_codes(line_kind, categories=KINDS),
            "expected_reason": pd.Categorical.from_codes(
                reason_of_kind[line_kind], categories=REASONS
            ),
            "customer_id_written_as_float": plan.float_id[known] & ~guest,
        }
    )
    if plan.id_messes:
        frame["customer_id_text"] = _id_mess_texts(frame, _id_mess_rng(plan, index, 1))
    return frame, n_inv


def _id_mess_rng(plan: _Plan, index: int, part: int = 0) -> np.random.Generator:
    """A stream for the opt-in id messes of chunk ``index``, apart from the chunk's own."""
    return np.random.Generator(np.random.PCG64([plan.seed, index, 18, part]))


def _id_mess_texts(frame: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """The CustomerID text of the id-mess lines (None elsewhere: written as usual)."""
    texts = pd.Series(None, index=frame.index, dtype=object)
    for kind, spellings in (
        ("na_customer_id", NA_ID_SPELLINGS),
        ("non_numeric_customer_id", NON_NUMERIC_ID_SPELLINGS),
    ):
        rows = np.flatnonzero((frame["mess"] == kind).to_numpy())
        picked = rng.integers(0, len(spellings), len(rows))
        ids = frame["customer_id"].to_numpy()[rows]
        texts.iloc[rows] = [
            spellings[p].format(id=int(i)) for p, i in zip(picked, ids, strict=True)
        ]
    return texts


# ------------------------------------------------------------------------ public API


def iter_transactions(
    customers: int | None = None,
    seed: int = 0,
    *,
    mess: bool = True,
    start: dt.date = DEFAULT_START,
    lines: int | None = None,
    churn_share: float = 0.0,
    id_messes: bool = False,
) -> Iterator[pd.DataFrame]:
    """Generate the transactions chunk by chunk (about a million lines per chunk).

    Arguments are those of :func:`generate_transactions` and are validated before
    this returns. Concatenating the chunks gives exactly :func:`generate_transactions`.
    """
    plan = _plan(customers, seed, mess, start, lines, churn_share, id_messes)

    def chunks() -> Iterator[pd.DataFrame]:
        used = 0
        for index in range(-(-plan.customers // plan.chunk_size)):
            frame, invoices = _chunk(plan, index, used)
            used += invoices
            yield frame

    return chunks()


def generate_transactions(
    customers: int | None = None,
    seed: int = 0,
    *,
    mess: bool = True,
    start: dt.date = DEFAULT_START,
    lines: int | None = None,
    churn_share: float = 0.0,
    id_messes: bool = False,
) -> pd.DataFrame:
    """Generate a synthetic Online Retail export as a DataFrame, one row per file line.

    Parameters
    ----------
    customers:
        Number of planted customers (>= 1). May be None when ``lines`` is given; then
        the customer count is chosen so the output has about ``lines`` lines.
    seed:
        Seed (>= 0) of the ``numpy.random.PCG64`` streams; same arguments, same frame.
    mess:
        Inject the contract's kinds of bad lines (see the module docstring). With
        False every line is clean and the contract keeps every one.
    start:
        First day of the one-year window; the snapshot is ``start + 365 days``.
    lines:
        Target number of lines. With ``customers`` too, the number of lines per
        invoice is scaled (recency and frequency stay as planted); alone, it picks
        the customer count.
    churn_share:
        Share of customers of the opt-in type :data:`CHURNED_CHAMPIONS` (0 to 0.5;
        default 0: the four types of :data:`SEGMENTS` only, as the bundled sample).
    id_messes:
        Also plant :data:`ID_MESS_KINDS` (default False, as the bundled sample): copies
        of clean lines whose CustomerID is an NA spelling the contract names
        (``missing_customer_id``) or text that is no number (``malformed``). They come
        from a random stream of their own, so every other line is as without them.

    Returns
    -------
    DataFrame in file order with the source columns :data:`COLUMNS` (``invoice_no``
    str, ``stock_code``/``description``/``country`` categorical, ``quantity`` int64,
    ``invoice_date`` datetime64[s], ``unit_price`` float64 in pounds, ``customer_id``
    Int64, NA for guests) and ``planted_segment`` (NA for guests), ``mess`` (the line's
    kind, ``clean`` or a key of :data:`MESS_RATES`), ``expected_reason`` (its
    row-accounting bucket) and ``customer_id_written_as_float`` (CSV only); with
    ``id_messes``, also ``customer_id_text``: the CustomerID text of the id-mess lines
    (None on the others).
    """
    return pd.concat(
        list(
            iter_transactions(
                customers,
                seed,
                mess=mess,
                start=start,
                lines=lines,
                churn_share=churn_share,
                id_messes=id_messes,
            )
        ),
        ignore_index=True,
    )


def planted_truth(transactions: pd.DataFrame | Iterable[pd.DataFrame]) -> pd.DataFrame:
    """The planted type of every customer with a clean (kept) line.

    Returns a DataFrame ``customer_id`` (int64), ``planted_segment`` (str), sorted by
    customer_id: exactly the customers the contract's cleaning keeps purchases of.
    """
    frames = [transactions] if isinstance(transactions, pd.DataFrame) else transactions
    parts = [
        f.loc[f["mess"] == "clean", ["customer_id", "planted_segment"]].drop_duplicates()
        for f in frames
    ]
    truth = pd.concat(parts, ignore_index=True).drop_duplicates()
    return pd.DataFrame(
        {
            "customer_id": truth["customer_id"].astype("int64").to_numpy(),
            "planted_segment": truth["planted_segment"].astype(str).to_numpy(),
        }
    ).sort_values("customer_id", ignore_index=True)
