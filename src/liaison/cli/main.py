"""The ``liaison`` command: serve, worker, demo, db, users, audit, triage."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from liaison.config import get_settings

app = typer.Typer(no_args_is_help=True, help="Liaison: patient coordination platform.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
users_app = typer.Typer(no_args_is_help=True, help="User accounts.")
audit_app = typer.Typer(no_args_is_help=True, help="The audit trail.")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
console = Console(stderr=True)


def _runtime():  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    from liaison.runtime import Runtime

    try:
        settings = get_settings()
    except ValidationError as exc:
        for err in exc.errors():
            console.print(f"[red]Configuration error:[/red] {err['msg']}")
        raise typer.Exit(2) from exc
    from liaison.kit import logging as kit_logging

    # Every command logs the way the server does: structured, and never an exception's
    # message or a frame's locals (they hold patient data).
    kit_logging.configure(settings.log_level, settings.log_json)
    return Runtime.from_settings(settings)


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from liaison.kit import migrate

    runtime = _runtime()
    migrate.upgrade(runtime.db.engine, revision)
    console.print(f"Database at revision {migrate.current_revision(runtime.db.engine)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from liaison.kit import migrate

    typer.echo(migrate.current_revision(_runtime().db.engine) or "empty")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    reload: bool = False,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
) -> None:
    """Serve the web UI and API."""
    import uvicorn

    from liaison.kit import migrate

    runtime = _runtime()
    if migrate_first:
        migrate.upgrade(runtime.db.engine)
    runtime.db.dispose()
    uvicorn.run(
        "liaison.app:asgi",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        proxy_headers=True,
        log_config=None,
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run until nothing is due, then exit")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    idle_sleep: Annotated[float, typer.Option(help="Seconds to wait when nothing is due")] = 1.0,
    lease_seconds: Annotated[
        float, typer.Option(help="How long a claim lasts before another worker may take it over")
    ] = 120.0,
) -> None:
    """Deliver the outbox and run periodic sweeps.

    Run as many as you like on PostgreSQL (they share the work); one is enough on SQLite.
    """
    import signal

    from liaison.jobs.worker import Worker

    runtime = _runtime()
    from datetime import timedelta

    runner = Worker(runtime, batch_size=batch_size, lease=timedelta(seconds=lease_seconds))
    if once:
        typer.echo(f"{runner.drain()} messages processed")
        return
    signal.signal(signal.SIGTERM, lambda *_: runner.stop())
    try:
        runner.run_forever(idle_sleep=idle_sleep)
    except KeyboardInterrupt:
        runner.stop()


@app.command()
def sandbox(
    port: int = 9010,
    host: str = "127.0.0.1",
    receipts: Annotated[
        bool, typer.Option(help="Post delivery receipts to each message's StatusCallback")
    ] = True,
) -> None:
    """Run the local SMS provider on its own (Twilio's REST shape).

    For a Liaison whose LIAISON_SMS_BASE_URL points here, or for load tests.
    """
    import uvicorn

    from liaison.gateways.sandbox import SandboxStore, create_sandbox

    settings = get_settings()
    app_ = create_sandbox(
        SandboxStore(settings.sandbox_path),
        account_sid=settings.sms_account_sid,
        auth_token=settings.sms_auth_token.get_secret_value(),
        inbound_url=settings.base_url.rstrip("/") + "/webhooks/sms/inbound",
        receipts=receipts,
    )
    uvicorn.run(app_, host=host, port=port, log_config=None, access_log=False)


@app.command()
def demo(
    seed: int = 7,
    size: Annotated[
        str, typer.Option(help="small (3 organizations, ~3,000 patients) or large")
    ] = "small",
    reset: Annotated[bool, typer.Option(help="Delete existing data first")] = False,
) -> None:
    """Load the realistic demo data set (deterministic for a seed)."""
    from liaison.demo import loader
    from liaison.kit import migrate

    if size not in ("small", "large"):
        console.print("[red]--size must be small or large[/red]")
        raise typer.Exit(2)
    runtime = _runtime()
    migrate.upgrade(runtime.db.engine)
    with progress() as bar:
        summary = loader.load(runtime, seed=seed, size=size, reset=reset, progress=bar)
    for line in summary.lines():
        typer.echo(line)


@users_app.command("create")
def users_create(
    email: str,
    display_name: Annotated[str, typer.Option("--name")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    organization: Annotated[str | None, typer.Option(help="Organization slug")] = None,
    role: Annotated[str | None, typer.Option(help="admin, coordinator, practitioner")] = None,
    platform_role: Annotated[str | None, typer.Option(help="operator or staffing_manager")] = None,
) -> None:
    """Create a user (the first operator of a new installation, for example)."""
    from liaison.cli import admin
    from liaison.errors import LiaisonError

    runtime = _runtime()
    try:
        user_id = admin.create_user(
            runtime,
            email=email,
            display_name=display_name,
            password=password,
            organization_slug=organization,
            role=role,
            platform_role=platform_role,
        )
    except LiaisonError as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from exc
    typer.echo(f"Created user {user_id}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain: report any row edited, inserted or deleted outside Liaison."""
    from sqlalchemy import func, select

    from liaison.audit import service
    from liaison.authz.scope import unscoped_system
    from liaison.models import AuditEvent

    runtime = _runtime()
    with runtime.db.session() as session:
        count = select(func.count()).select_from(AuditEvent)
        total = session.scalar(unscoped_system(count, "verification counts the whole chain")) or 0
        with progress() as bar:
            task = bar.add_task("Verifying audit chain", total=total)
            report = service.verify(
                session, runtime.audit_key, progress=lambda n: bar.update(task, completed=n)
            )
    if report.ok:
        typer.echo(f"Audit chain intact: {report.rows} rows verified.")
        return
    typer.echo(f"Audit chain BROKEN: {len(report.problems)} problem(s) in {report.rows} rows.")
    for problem in report.problems[:200]:
        typer.echo(f"  row {problem.seq}: {problem.problem}")
    sys.exit(1)


triage_app = typer.Typer(no_args_is_help=True, help="Message triage.")
app.add_typer(triage_app, name="triage")


@triage_app.command("evaluate")
def triage_evaluate() -> None:
    """Held-out figures of the shipped model, and of one retrained with coordinators'
    corrections (category/urgency confirmed or changed in the inbox). Prints JSON; a
    retrained model is only worth adopting if urgent recall stays 1.0."""
    import json

    from sqlalchemy import select

    from liaison import triage
    from liaison.authz.scope import unscoped_system
    from liaison.models import Communication, TriageCorrection

    runtime = _runtime()
    with runtime.db.session() as session:
        stmt = (
            select(Communication.body, Communication.language, TriageCorrection)
            .join(
                Communication,
                (Communication.organization_id == TriageCorrection.organization_id)
                & (Communication.id == TriageCorrection.communication_id),
            )
            .order_by(TriageCorrection.at)
        )
        corrections = [
            triage.Example(body, language or "en", c.category, c.urgency)
            for body, language, c in session.execute(
                unscoped_system(stmt, "retraining reads every organization's corrections")
            )
        ]
    shipped = triage.evaluate()
    report: dict[str, object] = {"shipped": shipped, "corrections": len(corrections)}
    if corrections:
        retrained = triage.evaluate(triage.train(corrections))
        report["with_corrections"] = retrained
        report["keeps_urgent_recall"] = retrained["urgent_recall"] == 1.0
    typer.echo(json.dumps(report, indent=2))
