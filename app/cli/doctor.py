"""`enclave doctor`: what this installation has and where it keeps things."""

from __future__ import annotations

import json
import platform

from app import __version__
from app.core.engines import placement
from app.core.errors import EnclaveError
from app.core.models import installed
from app.core.platform import hardware, runtime


def add_parser(sub) -> None:
    doctor = sub.add_parser("doctor", help="check this installation and this machine")
    doctor.add_argument("--json", action="store_true")


def doctor_report(rt: runtime.Runtime) -> dict:
    llama = hardware.llama_build_info()
    starter = installed.starter_model_path()
    ram = hardware.total_ram_bytes()
    compute = placement.report() if llama.get("available") else {}
    if compute:
        compute["default_model"] = _planned_placement(rt)
    return {
        "enclave": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "llama_cpp": llama,
        "gpu_offload": bool(llama.get("gpu_offload")),
        "compute": compute,
        "ram_gb": round(ram / 2**30, 1) if ram else None,
        "cores": hardware.usable_cores(),
        "folders": {name: str(p) for name, p in rt.paths.folders().items()},
        "database": str(rt.paths.database),
        "starter_model": str(starter) if starter else None,
        "models_installed": len(installed.list_models(rt.paths)),
    }


def _planned_placement(rt: runtime.Runtime) -> dict | None:
    """Where the default model would run, planned as a load would plan it (nothing is loaded)."""
    from app.core.models import gguf

    try:
        model = installed.resolve(None, rt.paths, default=rt.settings.default_model)
        info = gguf.read(model.path)
    except EnclaveError:
        return None
    s = installed.settings_for(rt.settings, model)
    where = placement.for_gguf(info, context_length=s.context_length, gpu_layers=s.gpu_layers)
    return {"model": model.id, "label": where.label, **where.as_dict()}


def _compute_lines(compute: dict) -> list[tuple[str, str]]:
    build = compute["build"]
    built = "unknown (not installed by scripts/install-llama-cpp.sh)"
    if build:
        built = build["installed"] + (" (portable)" if build.get("portable") else "")
        built += f" — {build['fallback']}" if build.get("fallback") else f" — {build['reason']}"
    lines = [("llama.cpp build", built), ("Backends", ", ".join(compute["backends"]) or "none")]
    for d in compute["devices"]:
        memory = (
            f"{d['free'] / 2**30:.1f} of {d['total'] / 2**30:.1f} GB free"
            if d["total"]
            else "system memory"
        )
        lines.append(("Device", f"{d['name']} · {d['description']} ({d['kind']}, {memory})"))
    if compute["memory_cap"] is not None:
        lines.append(
            (
                "GPU memory cap",
                f"{compute['memory_cap'] / 2**20:.0f} MB "
                f"({placement.GPU_MEMORY_CAP_ENV}, for tests)",
            )
        )
    if compute["why_no_gpu"]:
        lines.append(("GPU", f"not used: {compute['why_no_gpu']}"))
    planned = compute.get("default_model")
    if planned:
        why = f" ({planned['reason']})" if planned["reason"] else ""
        lines.append(("Default model", f"{planned['model']} would run on {planned['label']}{why}"))
    return lines


def run(rt: runtime.Runtime, args) -> int:
    report = doctor_report(rt)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0 if report["llama_cpp"].get("available") else 1
    llama = report["llama_cpp"]
    ok = "ok"
    lines = [
        ("Enclave", report["enclave"]),
        ("Python", report["python"]),
        ("Platform", report["platform"]),
        (
            "llama.cpp",
            f"llama-cpp-python {llama.get('version')}"
            if llama.get("available")
            else f"NOT AVAILABLE ({llama.get('error')})",
        ),
        *(_compute_lines(report["compute"]) if report["compute"] else []),
        ("CPU features", llama.get("system_info", "?")),
        ("Memory", f"{report['ram_gb']} GB RAM, {report['cores']} cores"),
        *[
            (f"{name.capitalize()} folder", f"{path} ({ok}, writable)")
            for name, path in report["folders"].items()
        ],
        (
            "Starter model",
            report["starter_model"] or "NOT FOUND — " + installed.how_to_get_a_model(rt.paths),
        ),
        ("Models", f"{report['models_installed']} installed"),
    ]
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print(f"{key:<{width}}  {value}")
    return 0 if llama.get("available") else 1
