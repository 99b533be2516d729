"""A 25 MiB document through the dev host (issue 13): uploaded and downloaded intact, and no byte
of it reaches a temporary file on the way (waitress spooled request bodies above 512 KiB and
responses above 1 MiB to the temp directory; cheroot and our bridge must keep both in memory).

The dev host runs with ``TMPDIR`` (and ``TEMP``, ``TMP``) pointing at an empty directory of its
own. A temporary file is often unlinked as soon as it is opened (``tempfile.TemporaryFile``), so
an empty directory afterwards proves little: while the transfers run, the dev host's open file
descriptors (``/proc/<pid>/fd``) are sampled, and any that points into that directory fails the
test. A first test proves that the probe does see such a file.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.client import multipart_form
from tests.api.conftest import AdapterSet, Env, onboard, org_with_manager, running_env

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")

MiB = 1024 * 1024
DOCUMENT = b"%PDF-1.7\n" + os.urandom(25 * MiB - 9)  # the default upload limit, exactly


class FdProbe:
    """Samples a process's open files every millisecond; collects those under ``directory``."""

    def __init__(self, pid: int, directory: Path) -> None:
        self.pid, self.directory = pid, str(directory.resolve())
        self.seen: set[str] = set()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> FdProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        fds = Path(f"/proc/{self.pid}/fd")
        while not self._stop.is_set():
            try:
                entries = list(fds.iterdir())
            except OSError:
                return  # the process is gone
            for entry in entries:
                try:
                    target = os.readlink(entry)
                except OSError:
                    continue  # closed meanwhile
                if target.startswith(self.directory):
                    self.seen.add(target)
            self.samples += 1
            time.sleep(0.001)


def _devhost_pid(url: str) -> int:
    """The dev host serving ``url``: the child of this process started with its port."""
    port = url.rsplit(":", 1)[1]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            argv = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if parent == os.getpid() and b"devhost" in argv and port.encode() in argv:
            return int(stat.parent.name)
    raise AssertionError(f"no dev host process for {url}")


@pytest.fixture(scope="module")
def temp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("devhost-tmpdir")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, adapters: AdapterSet, temp_dir: Path) -> Iterator[Env]:
    temp = str(temp_dir)
    with running_env(tmp_path_factory, adapters, TMPDIR=temp, TEMP=temp, TMP=temp) as started:
        yield started


@pytest.fixture(scope="module")
def uploader(env: Env) -> dict[str, Any]:
    org_id, _, manager = org_with_manager(
        env, "Gross AG", "big.admin@example.invalid", "big.cm@example.invalid"
    )
    body = {"employee": {"email": "big.emma@example.invalid", "name": "Emma", "language": "en"}}
    case = manager.post(f"/api/orgs/{org_id}/cases", body).json()
    employee, _, _ = onboard(env, "big.emma@example.invalid")
    return {"client": employee, "case": case["caseId"]}


def test_the_probe_sees_an_unlinked_temporary_file(tmp_path: Path) -> None:
    code = (
        "import tempfile, time; f = tempfile.TemporaryFile(); f.write(b'x' * 2**20); "
        "print('open', flush=True); time.sleep(2)"
    )
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    with subprocess.Popen([sys.executable, "-c", code], env=environment, stdout=subprocess.PIPE) as child:
        try:
            assert child.stdout is not None and child.stdout.readline() == b"open\n"
            with FdProbe(child.pid, tmp_path) as probe:
                time.sleep(0.1)
            assert probe.seen, "the probe missed a temporary file"
            assert os.listdir(tmp_path) == []  # unlinked: the directory alone would show nothing
        finally:
            child.kill()


def test_a_25_mib_upload_and_download_touch_no_temporary_file(
    env: Env, uploader: dict[str, Any], temp_dir: Path
) -> None:
    client, case_id = uploader["client"], uploader["case"]
    form, content_type = multipart_form(
        ("Scan.pdf", "application/pdf", DOCUMENT), title="Grosser Scan", category="other"
    )
    with FdProbe(_devhost_pid(env.url), temp_dir) as probe:
        created = client.post(f"/api/cases/{case_id}/documents", form, headers={"Content-Type": content_type})
        assert created.status == 201, created.body[:500]
        assert created.json()["size"] == len(DOCUMENT)
        download = client.get(f"/api/cases/{case_id}/documents/{created.json()['id']}/content")
    assert download.status == 200
    assert hashlib.sha256(download.body).digest() == hashlib.sha256(DOCUMENT).digest()
    assert probe.samples > 10  # the probe was really looking while the bytes went through
    assert probe.seen == set(), probe.seen
    assert os.listdir(temp_dir) == []
