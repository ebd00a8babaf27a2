"""The one chat model to suggest on first run, from the catalog and this machine, offline.

The catalog lists its chat models best first, so the suggestion is the first entry that fits:

1. wholly on the GPU (the fastest place to run), else
2. in system RAM with room to spare (at most half of it, so the rest of the computer keeps
   working), preferring a model that is not slow on the CPU over a better one that is.

Sizes come from the catalog; with no file header to read, the estimate is the file plus a
generous share for the KV cache and runtime (``fit.estimate`` without a shape), the same one the
Models window's Discover list shows. Nothing here touches the network or the clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from app.core.models import catalog, fit, licenses
from app.core.models.catalog import CatalogEntry, CatalogFile
from app.core.platform.units import size_text

RAM_SPARE = 0.5  # a model in RAM may take at most this share of it

# Bytes a token's decoding reads per second, roughly: decoding is bound by memory bandwidth, so
# a model's speed is about bandwidth / bytes of the weights it runs per token. Deliberately
# modest figures (a mid-range discrete GPU, a base Apple chip, dual-channel desktop RAM): the
# class says what to expect, not a benchmark.
BANDWIDTH = {"gpu": 300e9, "unified": 100e9, "cpu": 25e9}
FAST_TOKENS_S = 20  # reads faster than anyone reads
COMFORTABLE_TOKENS_S = 8  # about reading speed

SPEED_TEXT = {
    "fast": "fast on this computer",
    "comfortable": "comfortable on this computer",
    "slow": "slow on this computer",
}


@dataclass(frozen=True)
class Recommendation:
    entry: CatalogEntry
    file: CatalogFile
    fit: fit.Fit
    where: str  # "gpu" | "ram"
    speed: str  # "fast" | "comfortable" | "slow"

    @property
    def size_bytes(self) -> int:
        return int(self.file.size or 0)

    @property
    def license(self) -> licenses.License:
        return self.entry.license

    @property
    def needs_acknowledgement(self) -> bool:
        """Its license must be read and accepted before downloading (as in the Models window)."""
        return self.license.needs_acknowledgement

    @property
    def speed_text(self) -> str:
        return SPEED_TEXT[self.speed]

    @property
    def where_text(self) -> str:
        return "fully on the GPU" if self.where == "gpu" else "on the CPU, in system RAM"

    def summary(self) -> str:
        """ "Qwen3.5 9B · 9B · Q4_K_M · 5.68 GB · Apache License 2.0 · fast on this computer"."""
        parts = [
            self.entry.name,
            self.entry.parameters_text,
            self.file.quant,
            size_text(self.size_bytes),
            self.license.name,
            self.speed_text,
        ]
        return "  ·  ".join(p for p in parts if p)


def fit_of(file: CatalogFile, machine: fit.Machine) -> fit.Fit | None:
    """Where a catalog file would run on ``machine``; None when no source gave its size."""
    if not file.size:
        return None
    return fit.check(fit.estimate(int(file.size), None, 0), machine)


def entry_fit(entry: CatalogEntry, machine: fit.Machine) -> tuple[CatalogFile, fit.Fit] | None:
    """An entry's file to suggest on ``machine`` (fit.recommend's rule; the smallest when none
    runs) and its fit; None when no file has a known size."""
    fits = {f.file: (f, found) for f in entry.files if (found := fit_of(f, machine)) is not None}
    if not fits:
        return None
    best = fit.recommend({name: (f.quant, found) for name, (f, found) in fits.items()})
    return fits[best] if best else min(fits.values(), key=lambda pair: pair[0].size or 0)


def speed(entry: CatalogEntry, file: CatalogFile, where: str, machine: fit.Machine) -> str:
    """ "fast", "comfortable" or "slow": the bytes it reads per token against the bandwidth of
    where it runs (a mixture of experts reads only its active share)."""
    share = 1.0
    if entry.active_parameters_b and entry.parameters_b:
        share = entry.active_parameters_b / entry.parameters_b
    per_token = max(1.0, (file.size or 0) * share)
    place = "cpu" if where == "ram" else "unified" if machine.unified else "gpu"
    tokens_s = BANDWIDTH[place] / per_token
    if tokens_s >= FAST_TOKENS_S:
        return "fast"
    return "comfortable" if tokens_s >= COMFORTABLE_TOKENS_S else "slow"


def recommend(
    machine: fit.Machine, entries: Iterable[CatalogEntry] | None = None
) -> Recommendation | None:
    """The one chat model to suggest on ``machine``; None when none fits with room to spare.

    ``entries``: the catalog (best first); ``catalog.load()`` when None.
    """
    chat = [e for e in (catalog.load() if entries is None else entries) if e.kind == "chat"]
    if machine.gpu_free:
        for entry in chat:
            found = entry_fit(entry, machine)
            if found and found[1].kind == "gpu":
                return _suggest(entry, *found, "gpu", machine)
    # In RAM: judged as if there were no GPU, so a partial offload only makes it faster.
    cpu_only = dataclasses.replace(machine, gpu_name=None, gpu_free=0, unified=False)
    in_ram = []
    for entry in chat:
        found = entry_fit(entry, cpu_only)
        if found and found[1].kind == "cpu" and found[1].estimate.total <= _ram_budget(machine):
            in_ram.append(_suggest(entry, *found, "ram", machine))
    not_slow = [r for r in in_ram if r.speed != "slow"]
    return next(iter(not_slow or in_ram), None)


def _ram_budget(machine: fit.Machine) -> int:
    return int(machine.ram_total * RAM_SPARE)


def _suggest(
    entry: CatalogEntry, file: CatalogFile, found: fit.Fit, where: str, machine: fit.Machine
) -> Recommendation:
    return Recommendation(entry, file, found, where, speed(entry, file, where, machine))
