"""``yuqing users``, ``seed-demo-users``, ``verify-pack``, ``verify-audit``, ``ledger-export``: the
workflow database from the command line. These act as the system (audited as "system")."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from core.errors import InvalidInput
from core.files import write_private
from core.workflow import SYSTEM
from core.workflow.evidence import PackLimits, verify_pack
from core.vocabulary import ROLE_NAMES
from core.workflow.model import Role
from infra.runtime import Runtime

# One demo user per role, for the README, `make demo` and drills. Never use these outside a demo.
DEMO_USERS = (
    ("monitor", Role.MONITOR, "monitor-demo-1", "宣传部舆情监测员（演示）", "县委宣传部", False),
    ("reviewer", Role.REVIEWER, "reviewer-demo-1", "教育局预警审核（演示）", "县教育局", False),
    ("spokesperson", Role.SPOKESPERSON, "spokes-demo-1", "新闻发言人（演示）", "县教育局", False),
    ("leader", Role.LEADER, "leader-demo-1", "值班领导（演示）", "县委宣传部", True),
    ("police", Role.POLICE_LIAISON, "police-demo-1", "公安联络员（演示）", "县公安局", False),
    ("admin", Role.ADMIN, "admin-demo-1", "系统管理员（演示）", "县委宣传部", False),
)


def register(subparsers) -> None:
    users = subparsers.add_parser("users", help="add and list console users (workflow database)")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION")
    add = actions.add_parser("add", help="add a user with a role")
    add.add_argument("username", help="login name: lower-case letters, digits, _ . -")
    add.add_argument("--role", required=True, choices=[r.value for r in Role], help="the user's role")
    add.add_argument("--name", default="", help="display name (Chinese is fine)")
    add.add_argument("--email", default="", help="email the OIDC login (st.login) maps to this user")
    add.add_argument("--unit", default="", help="the user's unit, e.g. 县教育局")
    add.add_argument("--on-duty", action="store_true", help="leader on duty: receives overdue flags")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input instead of prompting")
    add.set_defaults(func=run_users_add)
    listing = actions.add_parser("list", help="list users with role and status")
    listing.set_defaults(func=run_users_list)
    users.set_defaults(func=lambda args, runtime: (users.print_help(), 2)[1])

    seed = subparsers.add_parser("seed-demo-users", help="create one demo user per role (passwords in the README)")
    seed.set_defaults(func=run_seed_demo_users)

    pack = subparsers.add_parser("verify-pack", help="re-check an evidence pack zip and name any changed file "
                                 "(exit 0 intact and matching --expect, 1 broken, 3 consistent but not checked "
                                 "against a recorded hash)")
    pack.add_argument("file", help="the evidence pack (.zip)")
    pack.add_argument("--expect", default=None, metavar="SHA256",
                      help="the manifest hash recorded when the pack was built (printed on the referral letter; "
                           "upper or lower case); without it only internal consistency is checked")
    pack.set_defaults(func=run_verify_pack)

    audit = subparsers.add_parser("verify-audit", help="re-check the audit log's hash chain")
    audit.set_defaults(func=run_verify_audit)

    ledger = subparsers.add_parser("ledger-export", help="export the ledger (台账) to an Excel file")
    ledger.add_argument("--output", "-o", default="ledger.xlsx", help="the .xlsx file to write (default ledger.xlsx)")
    ledger.set_defaults(func=run_ledger_export)


def run_users_add(args, runtime: Runtime) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.username}: ")
        if password != getpass.getpass("again: "):
            raise InvalidInput("the two passwords differ", field="password")
    user = runtime.workflow.users.create(SYSTEM, args.username, password, args.role, display_name=args.name,
                                         email=args.email, unit=args.unit, on_duty=args.on_duty)
    print(f"added {user.username} ({ROLE_NAMES[user.role]})")
    return 0


def run_users_list(args, runtime: Runtime) -> int:
    for user in runtime.workflow.users.list(SYSTEM):
        flags = ("" if user.active else " [停用]") + (" [值班]" if user.on_duty else "")
        print(f"{user.username:<16} {ROLE_NAMES[user.role]:<10} {user.display_name} {user.email}{flags}")
    return 0


def run_seed_demo_users(args, runtime: Runtime) -> int:
    users = runtime.workflow.users
    for username, role, password, name, unit, on_duty in DEMO_USERS:
        if users.by_username(username):
            print(f"exists  {username}")
            continue
        users.create(SYSTEM, username, password, role, display_name=name, unit=unit, on_duty=on_duty)
        print(f"added   {username:<13} {role.value:<15} password: {password}")
    return 0


def run_verify_pack(args, runtime: Runtime) -> int:
    """rc 0: intact and the manifest hash equals --expect; 1: changed, refused or unreadable; 3: consistent
    inside, but without --expect nothing shows the pack is the one that was recorded."""
    if not Path(args.file).is_file():
        raise InvalidInput(f"{args.file} does not exist", field="file")
    limits = PackLimits(max_total_bytes=runtime.settings.pack_unpacked_max_mb * 1024 * 1024)
    report = verify_pack(args.file, args.expect, limits)
    print(report.message)
    for name in report.changed:
        print(f"CHANGED  {name}")
    for name in report.missing:
        print(f"MISSING  {name}")
    for name in report.unexpected:
        print(f"ADDED    {name}")
    if not report.manifest_ok:
        print("MANIFEST manifest.json does not match its recorded hash" +
              (" or the hash given with --expect" if args.expect else ""))
    if report.ok and not report.authenticated:
        print("UNVERIFIED only internal consistency was checked: pass --expect SHA256 (the manifest hash recorded "
              "in the database or on the referral letter) to check that this is the pack that was recorded")
        return 3
    return 0 if report.ok else 1


def run_verify_audit(args, runtime: Runtime) -> int:
    report = runtime.workflow.verify_audit(SYSTEM)
    print(f"{report.entries} entries: " + ("chain intact (审计链完整)" if report.ok else "BROKEN"))
    for problem in report.problems:
        print(f"  {problem}")
    if report.anchored_seq:
        print(f"  anchored up to entry {report.anchored_seq} (外部锚点至第 {report.anchored_seq} 条)")
    for note in report.notes:
        print(f"  NOTE {note}")
    if _beside_the_database(runtime.settings.audit_anchor_path, runtime.settings.state_url):
        print(f"  NOTE 审计锚点文件 {runtime.settings.audit_anchor_path} 与状态数据库在同一目录下：能改写数据库者也能改写它。"
              "生产中请把 audit_anchor_file 放到其他卷或主机，或设为仅追加（chattr +a），见 SECURITY.md。")
    return 0 if report.ok else 1


def _beside_the_database(anchor: Path, state_url: str) -> bool:
    """Whether the anchor file lies in the folder of a SQLite state database (or below it)."""
    if not state_url.startswith("sqlite:///"):
        return False
    folder = Path(state_url.removeprefix("sqlite:///")).resolve().parent
    return anchor.resolve().is_relative_to(folder)


def run_ledger_export(args, runtime: Runtime) -> int:
    ledger = runtime.workflow.ledger
    data = ledger.export_xlsx(SYSTEM)
    rows = len(ledger.rows(SYSTEM))
    write_private(Path(args.output), data)
    print(f"wrote {rows} rows to {args.output}")
    return 0
