"""The files a Streamlit run hands out through its download buttons, for AppTest-based tests.

A download button either carries its file (proto.url, the bytes stored in the media storage) or,
as the dashboard's CSV buttons do, a deferred file (proto.deferred_file_id: a callable Streamlit
runs when the button is clicked, so the file is made in the encoding chosen at that moment).
record_downloads patches both ways in: a deferred callable is called at once, in the run that
registered it, which is what a click on the drawn button gives.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage


class Recorded(dict):
    """file id -> (bytes or text, file name); .callables: deferred file id -> its callable (to
    click the button again later, as a browser may before the page has run again)."""

    def __init__(self):
        super().__init__()
        self.callables: dict = {}


def record_downloads(monkeypatch) -> Recorded:
    """file id -> (bytes or text, file name) of every file a run stores or defers."""
    seen = Recorded()
    load = MemoryMediaFileStorage.load_and_get_id
    add_deferred = MediaFileManager.add_deferred

    def recording(self, path_or_data, mimetype, kind, filename=None):
        file_id = load(self, path_or_data, mimetype, kind, filename)
        seen[file_id] = (path_or_data, filename)
        return file_id

    def deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = add_deferred(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)
        seen[file_id] = (data_callable(), file_name)
        seen.callables[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    monkeypatch.setattr(MediaFileManager, "add_deferred", deferred)
    return seen


def file_id(button) -> str:
    """The id a download button's file is recorded under (record_downloads)."""
    proto = button.proto
    return proto.deferred_file_id if proto.HasField("deferred_file_id") else PurePosixPath(proto.url).stem


def download_of(button, seen: dict) -> tuple[bytes, str]:
    """(bytes, file name) of a download button of the last run."""
    data, name = seen[file_id(button)]
    return (data.encode("utf-8") if isinstance(data, str) else data), name
