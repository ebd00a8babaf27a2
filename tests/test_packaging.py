"""The installers' recipes, checked on any OS: what build.spec bundles and names, what the Inno
Setup script and Info.plist point at, the build script's Python check, and the Linux per-user
installer (upgrade, a home folder with a space, uninstall keeping or removing data)."""

from __future__ import annotations

import ast
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from bundle import bundle_binary

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "packaging"))
import bundle_rules  # noqa: E402


def _spec_executable_names() -> list[str]:
    """The name= of every EXE() in build.spec, constants resolved from bundle_rules."""
    tree = ast.parse((REPO / "build.spec").read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "EXE":
            value = next(k.value for k in node.keywords if k.arg == "name")
            names.append(
                value.value if isinstance(value, ast.Constant) else getattr(bundle_rules, value.id)
            )
    return names


def test_executable_names_differ_in_more_than_case():
    names = _spec_executable_names()
    assert len(names) == 2
    assert len({n.casefold() for n in names}) == 2, names  # Windows and macOS ignore case


def test_installer_and_app_bundle_point_at_the_executables_that_exist():
    names = {n.casefold() for n in _spec_executable_names()}
    iss = (REPO / "packaging/windows/enclave.iss").read_text(encoding="utf-8")
    used = {m.casefold() for m in re.findall(r"\{app\}\\([\w-]+)\.exe", iss)}
    assert used <= names and bundle_rules.WINDOW_NAME in used
    icons = re.findall(
        r'^Name: "\{(?:group|autodesktop)\}\\Enclave"; Filename: "\{app\}\\(\w+)', iss, re.M
    )
    assert icons and set(icons) == {bundle_rules.WINDOW_NAME}  # the menu opens no console
    spec = (REPO / "build.spec").read_text(encoding="utf-8")
    assert '"CFBundleExecutable": WINDOW_NAME' in spec


def test_inno_setup_script_can_fail_and_replaces_old_libraries():
    iss = (REPO / "packaging/windows/enclave.iss").read_text(encoding="utf-8")
    run = iss.split("[Run]")[1].split("[")[0]
    assert "--self-test" not in run  # [Run] ignores exit codes: the check lives in [Code]
    assert "GetCustomSetupExitCode" in iss and "'--self-test --scratch'" in iss
    assert re.search(r'\[InstallDelete\][^[]*Type: filesandordirs; Name: "\{app\}\\_internal"', iss)
    assert "VersionInfoVersion={#AppNumericVersion}" in iss and "MinVersion=10.0" in iss
    assert "#if VER < EncodeVer(6, 3, 0)" in iss


@pytest.mark.parametrize(
    ("name", "wanted"),
    [
        ("libllama.so", True),
        ("libggml-base.so.0", True),
        ("libggml-base.so.0.9.4", False),
        ("libggml-cpu-haswell.so", True),
        ("libggml-cpu-sapphirerapids.so", False),
        ("libmtmd.so", False),
        ("libllama.dylib", True),
        ("libllama.0.dylib", True),
        ("libllama.0.0.6123.dylib", False),
        ("ggml-base.dll", True),
        ("llama.lib", False),
    ],
)
def test_llama_libraries_are_bundled_once(name, wanted):
    assert bundle_rules.wanted_llama_library(name) is wanted


@pytest.mark.parametrize(
    ("path", "dropped"),
    [
        ("PySide6/Qt/translations/qtbase_de.qm", True),
        ("PySide6\\translations\\qtbase_de.qm", True),  # where Windows wheels keep them
        ("libvulkan.so.1", True),
        ("vulkan-1.dll", True),
        ("libcuda.so.1", True),
        ("PySide6/Qt/lib/libQt6Core.so.6", False),
        ("llama_cpp/lib/libggml-vulkan.so", False),
    ],
)
def test_what_never_ships(path, dropped):
    assert bool(bundle_rules.DROP.search(path)) is dropped


def test_windows_version_resource_gets_numbers_only():
    assert bundle_rules.numeric_version("0.1.0") == "0.1.0"
    assert bundle_rules.numeric_version("1.2.0rc1") == "1.2.0"
    assert bundle_rules.numeric_version("2") == "2.0.0"


def _thin_macho(command: int, version: tuple[int, int, int]) -> bytes:
    packed = version[0] << 16 | version[1] << 8 | version[2]
    if command == 0x32:  # LC_BUILD_VERSION: platform 1 (macOS), minos, sdk, ntools
        load = struct.pack("<IIIIII", 0x32, 24, 1, packed, packed, 0)
    else:  # LC_VERSION_MIN_MACOSX: version, sdk
        load = struct.pack("<IIII", 0x24, 16, packed, packed)
    segment = struct.pack("<II", 0x19, 8)  # another command first, to be skipped
    header = struct.pack(
        "<IiiIIIII", 0xFEEDFACF, 0x0100000C, 0, 2, 2, len(segment) + len(load), 0, 0
    )
    return header + segment + load


def test_minimum_macos_is_read_from_mach_o_files(tmp_path):
    thin = tmp_path / "QtCore"
    thin.write_bytes(_thin_macho(0x32, (13, 0, 0)))
    assert bundle_rules.macos_minimum(thin) == (13, 0, 0)
    old_style = tmp_path / "old"
    old_style.write_bytes(_thin_macho(0x24, (11, 0, 0)))
    assert bundle_rules.macos_minimum(old_style) == (11, 0, 0)
    slices = [_thin_macho(0x32, (12, 0, 0)), _thin_macho(0x32, (13, 3, 0))]
    fat = struct.pack(">II", 0xCAFEBABE, 2)
    offset = 4096
    for s in slices:
        fat += struct.pack(">IIIII", 0, 0, offset, len(s), 12)
        offset += 4096
    body = bytearray(fat.ljust(offset, b"\0"))
    for i, s in enumerate(slices):
        body[4096 * (i + 1) : 4096 * (i + 1) + len(s)] = s
    universal = tmp_path / "universal"
    universal.write_bytes(bytes(body))
    assert bundle_rules.macos_minimum(universal) == (13, 3, 0)  # the highest slice rules
    text = tmp_path / "text"
    text.write_bytes(b"#!/bin/sh\n")
    assert bundle_rules.macos_minimum(text) is None


def test_build_script_refuses_an_old_python_with_a_clear_message(tmp_path):
    old = tmp_path / "python3.9"
    old.write_text("#!/bin/sh\n[ \"$1\" = --version ] && echo 'Python 3.9.6' && exit 0\nexit 1\n")
    old.chmod(0o755)
    # Only the tools the script needs before it builds anything, and the old Python as python3
    # too: a script that ignored the check must fail here, not start a real build.
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("dirname", "uname", "date"):
        (tools / tool).symlink_to(shutil.which(tool))
    (tools / "python3").symlink_to(old)
    done = subprocess.run(
        [shutil.which("bash"), "scripts/build-dist.sh"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "PATH": str(tools),
            "PYTHON": str(old),
            "DIST_VENV": str(tmp_path / "venv"),
        },
    )
    assert done.returncode == 1
    assert "needs Python 3.10 or newer" in done.stderr and "Python 3.9.6" in done.stderr
    assert not (tmp_path / "venv").exists()


# -- the Linux per-user installer, on the real bundle ------------------------------------------


@pytest.fixture
def unpacked(repo_root, tmp_path):
    """What the tar.gz unpacks to (make-tarball.sh), with the bundle hard-linked, not copied."""
    bundle = bundle_binary(repo_root).parent
    stage = tmp_path / "enclave-x.y.z-linux"
    stage.mkdir()
    subprocess.run(["cp", "-al", str(bundle), str(stage / "enclave")], check=True)
    for name in ("enclave.desktop", "enclave.png", "install.sh"):
        shutil.copy(repo_root / "packaging/linux" / name, stage / name)
    return stage


def _user_env(home) -> dict[str, str]:
    """A user's login environment: their HOME, no XDG overrides, nothing of this test run's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("XDG_", "ENCLAVE_", "PYTHON", "VIRTUAL_ENV"))
    }
    return {**env, "HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}


def _install(unpacked, home, *args):
    return subprocess.run(
        ["bash", str(unpacked / "install.sh"), *args],
        env=_user_env(home),
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux installer")
@pytest.mark.timeout(300)
def test_linux_install_upgrade_and_uninstall(unpacked, tmp_path):
    home = tmp_path / "home of A. User"  # spaces, as real home folders have
    home.mkdir()
    first = _install(unpacked, home)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "self-test passed" in first.stdout
    opt = home / ".local/opt/enclave"
    desktop = (home / ".local/share/applications/enclave.desktop").read_text()
    assert f'Exec="{opt}/enclave"' in desktop.splitlines()
    assert (home / ".local/bin/enclave").resolve() == (opt / "enclave").resolve()
    assert not any(home.glob(".local/share/Enclave*"))  # the self-test left no data behind

    stale = opt / "_internal/llama_cpp/lib/libggml-old-variant.so"
    stale.write_bytes(b"an old version's library")
    again = _install(unpacked, home)  # an upgrade
    assert again.returncode == 0, again.stdout + again.stderr
    assert not stale.exists()

    data = home / ".local/share/Enclave"
    (data / "models").mkdir(parents=True)
    kept = _install(unpacked, home, "--uninstall")
    assert kept.returncode == 0 and not opt.exists() and data.is_dir()
    listed = [line.strip() for line in kept.stdout.splitlines() if line.startswith("  ")]
    expected = subprocess.run(
        [
            sys.executable,
            "-c",
            "from app.core.platform import paths\nimport sys\n"
            "p = paths.resolve()\nprint(*{str(p.config), str(p.data), str(p.cache),\n"
            "       str(p.logs.parent)}, sep='\\n')",
        ],
        cwd=REPO,
        env=_user_env(home),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert set(listed) == {e for e in expected if e}  # every folder the app really uses
    removed = _install(unpacked, home, "--uninstall", "--remove-data")
    assert removed.returncode == 0 and not data.exists()


@pytest.mark.slow
def test_the_built_bundle_carries_nothing_that_never_ships(repo_root):
    bundle = bundle_binary(repo_root).parent
    shipped = [str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file()]
    assert [p for p in shipped if bundle_rules.DROP.search(p)] == []
    names = [p.rsplit("/", 1)[-1] for p in shipped if "llama_cpp/lib/" in p]
    assert names and all(bundle_rules.wanted_llama_library(n) for n in names)
