"""A malformed GGUF file reaches Enclave by import or download: it is refused there, with the clear
model-file error, and never becomes an installed model the engine would then choke on."""

from __future__ import annotations

import gguf_build as gb
import pytest
from hub_server import HubFile, HubRepo

from app.core.errors import ModelFileError
from app.core.models.download import DownloadError
from app.core.models.importer import import_file
from app.core.models.installed import list_models
from app.core.models.service import ModelLibrary
from app.core.platform.settings import Settings

BAD_REPO, BAD_FILE = "enclave-test/Malformed-GGUF", "Malformed-Q4_1.gguf"


@pytest.fixture
def malformed(tmp_path):
    """Well formed in every way the old reader checked, but its layer count is text."""
    metadata = gb.llama_metadata(llama__block_count=(gb.STRING, "thirty"))
    (tmp_path / "source").mkdir()
    return gb.write(tmp_path / "source" / BAD_FILE, gb.model_bytes(metadata))


def _installed(paths) -> list[str]:
    return [m.source for m in list_models(paths)]


@pytest.mark.parametrize("copy", [True, False])
def test_import_refuses_it_and_changes_nothing(paths, malformed, copy):
    with pytest.raises(ModelFileError, match="llama.block_count") as e:
        import_file(malformed, paths, copy=copy)
    assert e.value.path == malformed
    assert _installed(paths) == ["starter"]
    assert not list(paths.models.rglob("*.gguf*"))


def test_download_deletes_it_and_installs_nothing(paths, hub, malformed):
    hub.repos[BAD_REPO] = HubRepo(BAD_REPO, {BAD_FILE: HubFile(malformed)})
    library = ModelLibrary(paths, Settings())
    request = library.request(library.hub.details(BAD_REPO), BAD_FILE)
    with pytest.raises(DownloadError, match="not a usable GGUF.*llama.block_count"):
        library.downloader.run(request)
    assert _installed(paths) == ["starter"]
    assert not list(paths.models.rglob("*.gguf*"))
    assert not list(paths.downloads.glob("*.json"))


def test_the_engine_refuses_it_with_the_clear_error(malformed):
    from app.core.engines.local import LocalEngine

    with pytest.raises(ModelFileError, match="llama.block_count") as e:
        LocalEngine(malformed)
    assert e.value.path == malformed
