from autopass.cli import app

app(prog_name="autopass")
