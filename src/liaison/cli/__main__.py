from liaison.cli.main import app

app()
