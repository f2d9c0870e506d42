"""python -m dashboard users ... and python -m dashboard serve: accounts and serving on the network.

users add NAME --role ROLE [--org ORG_ID] [--password-stdin]
users passwd NAME [--password-stdin]
users disable NAME / users enable NAME
users list

A password is read from a prompt (twice, not echoed) or, with --password-stdin, from the first line
of standard input; never from the command line, where other users of the machine could see it.
Every change goes to the audit log, named as the server's operator (cli:$USER).
"""

from __future__ import annotations

import getpass
import os
import sys

from dashboard.access import accounts, audit, settings
from dashboard.access.roles import ROLE_LABELS, ROLES

SERVE_ADDRESS = "0.0.0.0"


def add_parsers(sub) -> None:
    users = sub.add_parser("users", help="built-in accounts (instance folder): add, passwd, disable, enable, list")
    u = users.add_subparsers(dest="users_command", required=True)
    add = u.add_parser("add", help="add an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--org", metavar="ORG_ID", help="the organisation of an org account")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    pw = u.add_parser("passwd", help="set an account's password")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    for verb in ("disable", "enable"):
        u.add_parser(verb, help=f"{verb} an account").add_argument("name")
    u.add_parser("list", help="list the accounts (never their hashes)")

    serve = sub.add_parser("serve", help="serve on the network (0.0.0.0) with sign-in; refuses without it")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--address", default=SERVE_ADDRESS)
    serve.add_argument("--db", metavar="PATH", help="DuckDB file (default: TSUNAGARI_DB or data/tsunagari.duckdb)")
    serve.add_argument("--check", action="store_true", help="only check that sign-in is configured (exit 2 if not)")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("パスワード / password: ")
    if getpass.getpass("もう一度 / again: ") != first:
        raise accounts.AccountError("the two passwords differ")
    return first


def _operator() -> str:
    return f"cli:{os.environ.get('USER') or os.environ.get('LOGNAME') or '?'}"


def users(args) -> int:
    cmd = args.users_command
    try:
        if cmd == "list":
            found = accounts.load()
            if not found:
                print(f"no accounts in {settings.path(settings.ACCOUNTS)}")
            for a in found.values():
                state = "disabled" if a.disabled else "enabled"
                print(
                    f"{a.name}\t{a.role}（{ROLE_LABELS[a.role]['ja']}）\t{a.org or '-'}\t{state}\tchanged {a.changed}"
                )
            return 0
        if cmd == "add":
            account = accounts.add(args.name, args.role, _password(args.password_stdin), org=args.org)
            detail = {"action": "add", "account": account.name, "account_role": account.role}
        elif cmd == "passwd":
            account = accounts.set_password(args.name, _password(args.password_stdin))
            detail = {"action": "passwd", "account": account.name}
        else:
            account = accounts.set_disabled(args.name, cmd == "disable")
            detail = {"action": cmd, "account": account.name}
    except accounts.AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    audit.record("account", name=_operator(), **detail)
    print(f"{cmd}: {account.name} ({account.role}{', ' + account.org if account.org else ''})")
    if cmd in ("passwd", "disable"):
        print("a running server ends this account's open sessions at their next page change")
    return 0


def serve(args, root) -> int:
    """Check that sign-in is configured, then become `streamlit run dashboard/server.py` on
    ADDRESS:PORT (exec: the server is this process, so stopping it stops the server)."""
    refusal = settings.unsafe_address(args.address)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    if not 1 <= args.port <= 65535:
        print(f"error: --port {args.port} is not a port", file=sys.stderr)
        return 2
    if args.check:
        print(f"sign-in is configured ({settings.path('')}): serving on {args.address}:{args.port} is allowed")
        return 0
    env = dict(os.environ)
    if args.db:
        env["TSUNAGARI_DB"] = args.db
    argv = [
        sys.executable, "-m", "streamlit", "run", str(root / "dashboard" / "server.py"),
        "--server.address", args.address, "--server.port", str(args.port),
    ]  # fmt: skip
    os.chdir(root)
    os.execve(sys.executable, argv, env)
    return 0  # not reached
