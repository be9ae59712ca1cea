"""A throw-away one-node SLURM cluster with accounting, on 127.0.0.1, for tests.

Why: the SLURM executor plugin submits with ``sbatch``, follows jobs with ``sacct`` and
checks accounts with ``sacctmgr``, so a faithful test needs the real daemons, including
accounting (``slurmdbd`` backed by MariaDB). This module starts them from the Debian
packages (``slurm-wlm``, ``slurmdbd``, ``munge``, ``mariadb-server``; it installs
nothing) with every config, state, socket, pid and log file under one directory, on
loopback ports picked at start, and stops exactly the processes it started, by pid.

Daemons, in start order (stop is the reverse):

1. ``munged`` with a key made for this cluster (``mungekey``), socket in the directory;
   SLURM reaches it through ``AuthInfo=socket=...``.
2. ``mariadbd`` (datadir made by ``mariadb-install-db``), TCP on 127.0.0.1 only; a
   ``slurm`` database user with a random password.
3. ``slurmdbd``; then ``sacctmgr`` adds the cluster, an account and the current user.
4. ``slurmctld`` and ``slurmd`` (one node, ``localhost``, the machine's CPUs, one
   default partition ``debug``).

Clients (``sbatch``, ``sacct``, ``squeue``, ``sinfo``, ``sacctmgr``) find the cluster
through ``SLURM_CONF`` in :attr:`SlurmTestCluster.env`. One exception: inside a job,
snakemake-executor-plugin-slurm-jobstep starts each rule with ``srun`` in an environment
stripped of every ``SLURM_*`` variable except the job's identity, so ``SLURM_CONF`` is lost
and ``srun`` looks for ``/etc/slurm/slurm.conf`` (a real cluster has it; this one must not
touch /etc). :attr:`SlurmTestCluster.env` therefore puts ``<root>/bin`` first on ``PATH``,
holding an ``srun`` that sets ``SLURM_CONF`` and execs the real ``srun``.

Command line (for poking at the cluster by hand)::

    python tests/slurm/cluster.py start /tmp/slurmtest   # prints `export SLURM_CONF=...`
    python tests/slurm/cluster.py stop /tmp/slurmtest
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

#: Executables the cluster needs, with the Debian package that ships each.
REQUIRED_EXECUTABLES = {
    "munged": "munge",
    "mungekey": "munge",
    "mariadbd": "mariadb-server",
    "mariadb-install-db": "mariadb-server",
    "mariadb": "mariadb-client",
    "slurmdbd": "slurmdbd",
    "slurmctld": "slurmctld",
    "slurmd": "slurmd",
    "sbatch": "slurm-client",
    "srun": "slurm-client",
    "sacct": "slurm-client",
    "sacctmgr": "slurm-client",
    "sinfo": "slurm-client",
    "scontrol": "slurm-client",
}

CLUSTER_NAME = "mirscope"
ACCOUNT = "mirscope_test"
PARTITION = "debug"
NODE = "localhost"

# Where the Debian packages put the daemons (not always on a non-root PATH).
_SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")


class ClusterError(RuntimeError):
    """A daemon did not come up; the message names its log file and quotes its tail."""


def find_executable(name: str) -> str | None:
    """``shutil.which`` that also looks in the sbin directories."""
    path = os.environ.get("PATH", "") + os.pathsep + os.pathsep.join(_SBIN)
    return shutil.which(name, path=path)


def missing_executables() -> dict[str, str]:
    """Executables (name -> Debian package) the cluster needs but this machine lacks."""
    return {n: p for n, p in REQUIRED_EXECUTABLES.items() if find_executable(n) is None}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _meminfo_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return 4096


class SlurmTestCluster:
    """Start/stop the daemons of a one-node test cluster whose files all live in ``root``.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. The pids of the
    daemons are also written to ``root/pids.json`` so a later process can stop them.
    """

    def __init__(self, root: Path, cpus: int | None = None, memory_mb: int | None = None):
        self.root = Path(root).resolve()
        self.cpus = cpus or os.cpu_count() or 1
        # Leave the OS a share; slurmd only checks that the node has at least this much.
        self.memory_mb = memory_mb or max(1024, int(_meminfo_mb() * 0.8))
        self.user = getpass.getuser()
        self.etc = self.root / "etc"
        self.log = self.root / "log"
        self.run = self.root / "run"
        self.munge_socket = self.run / "munge.socket"
        self.mysql_socket = self.run / "mysqld.sock"
        self.slurm_conf = self.etc / "slurm.conf"
        self.bin = self.root / "bin"
        self.pids: dict[str, int] = {}
        self._procs: dict[str, subprocess.Popen] = {}

    # -- public ----------------------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        """This process's environment plus what SLURM clients need to find this cluster."""
        return self.client_env()

    def client_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: os.environ) plus SLURM_CONF and the srun wrapper on PATH."""
        env = dict(os.environ if base is None else base)
        env["SLURM_CONF"] = str(self.slurm_conf)
        path = env.get("PATH", "").split(os.pathsep)
        env["PATH"] = os.pathsep.join([str(self.bin), *path, *[d for d in _SBIN if d not in path]])
        for var in [v for v in env if v.startswith(("SLURM_", "SBATCH_", "SQUEUE_", "SACCT_"))]:
            if var != "SLURM_CONF":
                del env[var]
        return env

    def start(self) -> SlurmTestCluster:
        missing = missing_executables()
        if missing:
            raise ClusterError(
                "missing executables (Debian packages): "
                + ", ".join(f"{n} ({p})" for n, p in sorted(missing.items()))
            )
        for d in (self.etc, self.log, self.run, self.bin):
            d.mkdir(parents=True, exist_ok=True)
        self._write_srun_wrapper()
        # munged refuses directories others may write to, and wants its socket directory
        # searchable by all (clients of any user connect there).
        for d in (self.root, self.etc, self.log, self.run):
            d.chmod(0o755)
        self.ports = {name: _free_port() for name in ("mysql", "slurmdbd", "ctld", "slurmd")}
        try:
            self._start_munge()
            self._start_mariadb()
            self._write_slurm_conf()
            self._start_slurmdbd()
            self._add_accounting()
            self._start_slurmctld()
            self._start_slurmd()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the daemons this object (or the pids file) started, newest first, by pid."""
        pids = dict(self.pids)
        pidfile = self.root / "pids.json"
        if not pids and pidfile.is_file():
            pids = json.loads(pidfile.read_text())
        for name in reversed(list(pids)):
            self._stop_pid(name, pids[name])
        self.pids.clear()
        self._procs.clear()
        if pidfile.exists():
            pidfile.unlink()

    def __enter__(self) -> SlurmTestCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def run_client(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run a SLURM client command (``sacct``, ``sinfo``, ...) against this cluster."""
        return subprocess.run(
            list(argv), env=self.env, capture_output=True, text=True, check=check, timeout=60
        )

    # -- daemons ---------------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        """Start a daemon in the foreground of its own session; remember its pid."""
        out = open(self.log / f"{name}.stdout", "ab")  # the child keeps its own copy
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env or self.env,
            start_new_session=True,  # Ctrl-C in a terminal does not hit the daemons
        )
        out.close()
        self._procs[name] = proc
        self.pids[name] = proc.pid
        (self.root / "pids.json").write_text(json.dumps(self.pids, indent=1) + "\n")

    def _wait(self, name: str, ready, log: Path, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self._procs[name]
            if proc.poll() is not None:
                raise ClusterError(
                    f"{name} exited with code {proc.returncode}; {log}:\n{_tail(log)}\n"
                    f"{self.log / (name + '.stdout')}:\n{_tail(self.log / (name + '.stdout'))}"
                )
            if ready():
                return
            time.sleep(0.2)
        raise ClusterError(f"{name} not ready after {timeout:.0f} s; {log}:\n{_tail(log)}")

    def _stop_pid(self, name: str, pid: int, timeout: float = 30) -> None:
        """SIGTERM one daemon we started (checked via /proc), SIGKILL if it lingers."""
        proc = self._procs.get(name)
        if not self._is_ours(name, pid):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None:
                if proc.poll() is not None:
                    return
            elif not Path(f"/proc/{pid}").exists() or self._is_zombie(pid):
                return
            time.sleep(0.1)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        if proc is not None:
            proc.wait(timeout=10)

    def _is_ours(self, name: str, pid: int) -> bool:
        """True if ``pid`` still runs the daemon we started (not a recycled pid)."""
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        exe = os.path.basename(cmdline[0].decode(errors="replace")) if cmdline else ""
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            environ = b""
        root = str(self.root).encode()
        return exe == name and (any(root in part for part in cmdline) or root in environ)

    @staticmethod
    def _is_zombie(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
        except (OSError, IndexError):
            return True

    def _start_munge(self) -> None:
        key = self.etc / "munge.key"
        subprocess.run(
            [find_executable("mungekey"), "--create", f"--keyfile={key}"],
            check=True,
            capture_output=True,
        )
        key.chmod(0o400)
        log = self.log / "munged.log"
        self._spawn(
            "munged",
            [
                find_executable("munged"),
                "--foreground",
                f"--socket={self.munge_socket}",
                f"--key-file={key}",
                f"--pid-file={self.run / 'munged.pid'}",
                f"--log-file={log}",
                f"--seed-file={self.run / 'munged.seed'}",
            ],
        )
        self._wait("munged", self.munge_socket.exists, log)

    def _start_mariadb(self) -> None:
        datadir = self.root / "mysql"
        log = self.log / "mariadb.log"
        if not (datadir / "mysql").is_dir():
            subprocess.run(
                [
                    find_executable("mariadb-install-db"),
                    "--no-defaults",
                    f"--datadir={datadir}",
                    f"--user={self.user}",
                    "--auth-root-authentication-method=socket",
                    "--skip-test-db",
                ],
                check=True,
                capture_output=True,
            )
        self._spawn(
            "mariadbd",
            [
                find_executable("mariadbd"),
                "--no-defaults",
                f"--datadir={datadir}",
                f"--socket={self.mysql_socket}",
                f"--port={self.ports['mysql']}",
                "--bind-address=127.0.0.1",
                "--skip-name-resolve",
                f"--pid-file={self.run / 'mariadbd.pid'}",
                f"--log-error={log}",
                f"--tmpdir={self.run}",
                f"--user={self.user}",
                # Small and quick: a test database of a few hundred rows.
                "--innodb-buffer-pool-size=64M",
                "--innodb-log-file-size=16M",
                "--innodb-lock-wait-timeout=900",
            ],
        )
        self._wait("mariadbd", lambda: _port_open(self.ports["mysql"]), log)
        self.db_password = secrets.token_hex(12)
        sql = (
            f"CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY '{self.db_password}';"
            "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
        )
        subprocess.run(
            [find_executable("mariadb"), "--no-defaults", f"--socket={self.mysql_socket}"]
            + ["-u", "root", "-e", sql],
            check=True,
            capture_output=True,
        )

    def _write_srun_wrapper(self) -> None:
        """``srun`` that finds this cluster even when the caller dropped SLURM_CONF."""
        real = shutil.which("srun", path=os.pathsep.join(["/usr/bin", "/bin", *_SBIN]))
        real = real or find_executable("srun")
        wrapper = self.bin / "srun"
        wrapper.write_text(
            "#!/bin/sh\n# srun of the mirscope test cluster (tests/slurm/cluster.py)\n"
            f'SLURM_CONF="{self.slurm_conf}" exec "{real}" "$@"\n'
        )
        wrapper.chmod(0o755)

    def _write_slurm_conf(self) -> None:
        auth = f"AuthType=auth/munge\nAuthInfo=socket={self.munge_socket}\n"
        dbd = self.etc / "slurmdbd.conf"
        dbd.write_text(
            "# slurmdbd of the mirscope test cluster (tests/slurm/cluster.py)\n"
            + auth
            + f"DbdHost=localhost\nDbdAddr=127.0.0.1\nDbdPort={self.ports['slurmdbd']}\n"
            f"SlurmUser={self.user}\n"
            f"PidFile={self.run / 'slurmdbd.pid'}\nLogFile={self.log / 'slurmdbd.log'}\n"
            "DebugLevel=info\n"
            "StorageType=accounting_storage/mysql\n"
            f"StorageHost=127.0.0.1\nStoragePort={self.ports['mysql']}\n"
            f"StorageUser=slurm\nStoragePass={self.db_password}\nStorageLoc=slurm_acct_db\n"
        )
        dbd.chmod(0o600)  # slurmdbd refuses a config others can read (it holds a password)
        self.slurm_conf.write_text(
            "# One-node test cluster of mirscope (tests/slurm/cluster.py); loopback only.\n"
            f"ClusterName={CLUSTER_NAME}\n"
            f"SlurmctldHost={NODE}(127.0.0.1)\n"
            f"SlurmctldPort={self.ports['ctld']}\nSlurmdPort={self.ports['slurmd']}\n"
            f"SlurmUser={self.user}\nSlurmdUser={self.user}\n" + auth + "CredType=cred/munge\n"
            f"StateSaveLocation={self.root / 'state'}\n"
            f"SlurmdSpoolDir={self.root / 'spool'}\n"
            f"SlurmctldPidFile={self.run / 'slurmctld.pid'}\n"
            f"SlurmdPidFile={self.run / 'slurmd.pid'}\n"
            f"SlurmctldLogFile={self.log / 'slurmctld.log'}\n"
            f"SlurmdLogFile={self.log / 'slurmd.log'}\n"
            "SlurmctldDebug=info\nSlurmdDebug=info\n"
            # No cgroups in containers/CI: plain process tracking, no task binding.
            "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
            "JobAcctGatherType=jobacct_gather/linux\nJobAcctGatherFrequency=10\n"
            "AccountingStorageType=accounting_storage/slurmdbd\n"
            f"AccountingStorageHost=127.0.0.1\nAccountingStoragePort={self.ports['slurmdbd']}\n"
            # Connections to slurmdbd take their munge socket from here, not from AuthInfo.
            f"AccountingStoragePass=socket={self.munge_socket}\n"
            # The executor puts the rule name into the job comment; keep it for sacct.
            "AccountingStoreFlags=job_comment\n"
            "AccountingStorageEnforce=associations\n"
            "JobCompType=jobcomp/none\n"
            "SchedulerType=sched/backfill\n"
            "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core_Memory\n"
            "MpiDefault=none\nReturnToService=2\nMinJobAge=300\nKillWait=5\n"
            # Use the configured CPUs/memory even if the hardware report differs.
            "SlurmdParameters=config_overrides\n"
            f"NodeName={NODE} NodeAddr=127.0.0.1 CPUs={self.cpus} "
            f"RealMemory={self.memory_mb} State=UNKNOWN\n"
            f"PartitionName={PARTITION} Nodes={NODE} Default=YES MaxTime=INFINITE State=UP\n"
        )

    def _start_slurmdbd(self) -> None:
        log = self.log / "slurmdbd.log"
        self._spawn("slurmdbd", [find_executable("slurmdbd"), "-D"])
        self._wait("slurmdbd", lambda: _port_open(self.ports["slurmdbd"]), log)

    def _sacctmgr(self, *args: str) -> None:
        res = self.run_client(find_executable("sacctmgr"), "-i", *args, check=False)
        if res.returncode != 0 and "Nothing new added" not in res.stdout + res.stderr:
            raise ClusterError(f"sacctmgr {' '.join(args)} failed: {res.stdout}{res.stderr}")

    def _add_accounting(self) -> None:
        self._sacctmgr("add", "cluster", CLUSTER_NAME)
        self._sacctmgr(
            "add", "account", ACCOUNT, "Description=mirscope tests", "Organization=mirscope"
        )
        self._sacctmgr("add", "user", self.user, f"Account={ACCOUNT}", f"DefaultAccount={ACCOUNT}")

    def _start_slurmctld(self) -> None:
        log = self.log / "slurmctld.log"
        self._spawn("slurmctld", [find_executable("slurmctld"), "-D", "-i"])
        self._wait("slurmctld", lambda: _port_open(self.ports["ctld"]), log)

    def _start_slurmd(self) -> None:
        log = self.log / "slurmd.log"
        self._spawn("slurmd", [find_executable("slurmd"), "-D", "-N", NODE])

        def idle() -> bool:
            res = self.run_client(
                find_executable("sinfo"), "-h", "-N", "-n", NODE, "-o", "%T", check=False
            )
            return res.returncode == 0 and res.stdout.strip().rstrip("*") in ("idle", "mixed")

        self._wait("slurmd", idle, log, timeout=90)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__.split("Command line")[1], file=sys.stderr)
        return 2
    cluster = SlurmTestCluster(Path(argv[1]))
    if argv[0] == "start":
        cluster.start()
        print(f"export SLURM_CONF={cluster.slurm_conf}")
    else:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
