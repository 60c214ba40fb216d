"""Uploading a report on the admin page (``ioc.collecting.uploads``): into the collector's folder, atomically, audited,
and loaded by the collector's next run; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector
from ioc.collecting.uploads import save_upload
from ioc.errors import IOCError
from ioc.warehouse import schema

REPORT = b"indicator,unit,agency,period,value,numerator,denominator\nmeetings_held,19753,,2026-08,12,,\n"


@pytest.fixture
def folder(warehouse, tmp_path: Path) -> Path:
    drop = tmp_path / "drop"
    with warehouse.begin() as connection:
        add_collector(connection, "files", "file-drop", None, options={"path": str(drop), "settle_seconds": 0})
    return drop


def test_an_upload_waits_in_the_folder_is_audited_and_loads_on_the_next_run(warehouse, folder):
    upload = save_upload(warehouse, "files", "bao-cao-08.csv", REPORT, "admin", "127.0.0.1")
    assert upload.path == folder / "bao-cao-08.csv"
    assert upload.path.read_bytes() == REPORT
    assert sorted(p.name for p in folder.iterdir()) == ["bao-cao-08.csv"]  # no temporary file left
    audit = schema.AuditLog.__table__
    with warehouse.connect() as connection:
        entry = connection.execute(select(audit.c.actor, audit.c.action, audit.c.target, audit.c.details)).all()[-1]
    assert entry[:3] == ("admin", "collector.upload", "files")
    assert entry[3]["sha256"] == upload.sha256
    assert run_collector(warehouse, "files", "46").progress.inserted == 1
    assert (folder / "processed" / "bao-cao-08.csv").exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../../etc/cron.d/x.csv", "must be a plain name, without folders"),
        ("/tmp/x.csv", "must be a plain name, without folders"),
        ("..\\x.csv", "must be a plain name, without folders"),
        (".hidden.csv", "may not start with a dot"),
        ("a\x00b.csv", "control characters"),
        ("report.exe", "upload a .csv or .xlsx file"),
        ("", "give a name of 1 to 150 characters"),
        ("x" * 200 + ".csv", "give a name of 1 to 150 characters"),
    ],
)
def test_names_that_could_leave_the_folder_are_refused(warehouse, folder, name, message):
    with pytest.raises(IOCError) as error:
        save_upload(warehouse, "files", name, REPORT, "admin")
    assert message in str(error.value)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_an_upload_never_replaces_a_file_waiting_and_is_capped(warehouse, folder):
    save_upload(warehouse, "files", "a.csv", REPORT, "admin")
    with pytest.raises(IOCError, match=r"a\.csv is waiting in the folder already"):
        save_upload(warehouse, "files", "a.csv", b"other", "admin")
    assert (folder / "a.csv").read_bytes() == REPORT
    with pytest.raises(IOCError, match="larger than 50 MB"):
        save_upload(warehouse, "files", "big.csv", b"x" * (50 * 1024 * 1024 + 1), "admin")
    with pytest.raises(IOCError, match="is empty"):
        save_upload(warehouse, "files", "empty.csv", b"", "admin")
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv"]


def test_only_a_file_drop_collector_takes_uploads(warehouse, folder):
    with warehouse.begin() as connection:
        add_collector(connection, "dvc", "dossier-sync", "http://127.0.0.1:9/api/hoso")
    with pytest.raises(IOCError, match="'dvc' is a dossier-sync collector: only a file-drop one takes files"):
        save_upload(warehouse, "dvc", "a.csv", REPORT, "admin")
    with pytest.raises(IOCError, match="no collector named 'nope'"):
        save_upload(warehouse, "nope", "a.csv", REPORT, "admin")


def test_the_upload_callbacks_need_an_admin():
    from layouts.access import callback_need

    assert callback_need("..admin-upload-message.children...admin-upload-message.color..") == "admin"
    assert callback_need("admin-upload-panel.style") == "admin"
