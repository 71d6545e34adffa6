"""Every command's `--help`, as a new user reads it: it runs, describes every option, and says each default once
(never "(default: None)")."""
import configparser, re, subprocess
from pathlib import Path
import pytest

INI = configparser.ConfigParser(); INI.read(Path(__file__).parent.parent/'settings.ini')
COMMANDS = [s.split('=')[0] for s in INI['DEFAULT']['console_scripts'].split()]

def test_commands_found(): assert len(COMMANDS) >= 7, COMMANDS

@pytest.mark.parametrize('cmd', COMMANDS)
def test_help(cmd):
    r = subprocess.run([cmd, '--help'], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stderr == '', r.stderr
    text = r.stdout
    assert '(default: None)' not in text and '(default: False)' not in text, text
    opts = text[text.index('options:'):]
    entries = re.split(r'\n  (?=-)', opts)[1:]                # one entry per option: its flags, then its help
    for e in entries:
        flags, _, rest = e.partition('  ')
        assert rest.strip() or '\n' in e.strip(), f"{cmd}: option without help: {e.strip()!r}"
        assert ' '.join(e.split()).count('(default') <= 1, f"{cmd}: default said twice: {e!r}"
