"""Make the small hall database a release leaves, with THAT release's code.

Run from a checkout of the release (git worktree add /tmp/v010 v0.1.0):
    PYTHONPATH=/tmp/v010 python tests/releases/make_release_db.py tests/releases/v0.1.0.db
It scores two sample transcripts, plays one live (light changes, heartbeats), adds users,
a review, an appeal, an acknowledgement, a training tag and a hall lexicon change, so a
migration test sees every table the release wrote.
"""
import sys
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner

from monitor import accounts, review, tuning
from monitor.cli import cli
from monitor.lexicon import load as load_lexicon
from monitor.storage import Store

HERE = Path(__file__).resolve().parents[2]


def run(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if result.exit_code:
        sys.exit(f"courtesy {' '.join(args)}: {result.output}")


def main(out: Path) -> None:
    out.unlink(missing_ok=True)
    audio = HERE / "audio"
    run("score", str(audio / "police_good.jsonl"), "--window", "W01", "--profile", "police",
        "--at", "2026-11-20T09:00", "--db", str(out))
    run("play", str(audio / "hospital_taboo.jsonl"), "--window", "W02", "--staff", "S07",
        "--profile", "hospital", "--at", "2026-11-20T10:00", "--db", str(out))
    run("play", str(audio / "bank_wait.jsonl"), "--window", "W03", "--profile", "bank",
        "--at", "2026-11-20T11:00", "--db", str(out))
    run("training", "add", _first_visit(out), "--tag", "greeting", "--db", str(out))
    store = Store(out)
    accounts.add_user(store, "admin", "admin", "release-admin-pw")
    accounts.add_user(store, "wang", "staff", "release-staff-pw", staff="S07")
    finding = store.db.execute("select f.id from findings f join visits v on f.visit = v.id "
                             "where v.staff = 'S07' order by f.id limit 1").fetchone()[0]
    review.review(store, finding, "dismiss", "misheard", "admin", note="发布版复核")
    staff = store.db.execute("select staff from findings f join visits v on f.visit = v.id "
                             "where f.id = ?", [finding]).fetchone()[0]
    if staff:
        review.appeal(store, finding, "wang", staff, "当时在讲电话")
    red = store.db.execute("select id from light_events where state = 'red' order by id "
                           "limit 1").fetchone()
    if red:
        store.acknowledge(red[0], "admin", datetime.now().astimezone())
    tuning.apply(store, tuning.propose(store, load_lexicon(), "不知道", "off", "",
                                       "发布版试调", "admin"))
    store.close()


def _first_visit(db: Path) -> str:
    store = Store(db)
    visit = store.db.execute("select id from visits order by id limit 1").fetchone()[0]
    store.close()
    return visit


if __name__ == "__main__":
    main(Path(sys.argv[1]))
