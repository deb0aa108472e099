#!/usr/bin/env bash
# Generate the man pages and shell completions (cargo run -p xtask -- dist)
# and test them as the tools that read them do: man renders each page
# without a warning and whatis can read its NAME line; bash, zsh and fish
# load each completion from where it is installed, and it completes an
# option. Fails if any file is missing or broken.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
have man || missing+=(man-db)
have groff || missing+=(groff-base)
[ -f /usr/share/bash-completion/bash_completion ] || missing+=(bash-completion)
have zsh || missing+=(zsh)
have fish || missing+=(fish)
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dist="$tmp/dist"
echo "== cargo run -p xtask -- dist"
cargo run --locked --quiet -p xtask -- dist "$dist" >/dev/null

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

# Each program and an option its completion must offer for a prefix.
programs=("pmv --no-t --no-target-directory" "pln --symb --symbolic")
export LC_ALL=C.UTF-8

for entry in "${programs[@]}"; do
    read -r prog prefix option <<<"$entry"
    page="$dist/man/$prog.1"
    bashc="$dist/completions/$prog.bash"
    zshc="$dist/completions/_$prog"
    fishc="$dist/completions/$prog.fish"
    for f in "$page" "$bashc" "$zshc" "$fishc"; do
        [ -s "$f" ] || fail "$f is missing or empty"
    done

    # man: renders, no warning from man or groff, whatis can read NAME.
    if [ -s "$page" ]; then
        if MANWIDTH=80 man --warnings=w -l "$page" >"$tmp/rendered" 2>"$tmp/warnings" &&
            [ ! -s "$tmp/warnings" ]; then
            pass "man -l $prog.1 renders without warnings"
        else
            fail "man -l $prog.1: $(cat "$tmp/warnings")"
        fi
        groff -man -ww -z "$page" 2>"$tmp/warnings" && [ ! -s "$tmp/warnings" ] ||
            fail "groff -ww $prog.1: $(cat "$tmp/warnings")"
        grep -Eq "^ *$prog +- +." "$tmp/rendered" || fail "$prog.1: NAME has no summary"
        grep -q -- "$option" "$tmp/rendered" || fail "$prog.1 does not document $option"
        grep -q "EXIT STATUS" "$tmp/rendered" || fail "$prog.1 has no EXIT STATUS"
        lexgrog "$page" >/dev/null 2>&1 && pass "whatis reads $prog.1" ||
            fail "lexgrog cannot parse the NAME section of $prog.1"
    fi

    # bash: syntax, then loaded on demand by bash-completion from a user's
    # completions directory (installed under the program's own name), then
    # asked to complete.
    if [ -s "$bashc" ]; then
        bash -n "$bashc" || fail "bash -n $bashc"
        mkdir -p "$tmp/share/bash-completion/completions"
        cp "$bashc" "$tmp/share/bash-completion/completions/$prog"
        out=$(XDG_DATA_HOME="$tmp/share" BASH_COMPLETION_USER_DIR="$tmp/share/bash-completion" \
            bash --norc --noprofile -c '
            set -u
            prog=$1 prefix=$2
            source /usr/share/bash-completion/bash_completion
            if declare -F _comp_load >/dev/null; then _comp_load "$prog"; else __load_completion "$prog"; fi
            spec=$(complete -p "$prog") || exit 1
            echo "$spec" >&2
            fn=$(sed -n "s/.*-F \([^ ]*\).*/\1/p" <<<"$spec")
            COMP_WORDS=("$prog" "$prefix"); COMP_CWORD=1
            COMP_LINE="$prog $prefix"; COMP_POINT=${#COMP_LINE}
            "$fn" "$prog" "$prefix" "$prog"
            printf "%s\n" "${COMPREPLY[@]}"' bash "$prog" "$prefix" 2>"$tmp/bash.err") || true
        if grep -qx -- "$option" <<<"$out"; then
            pass "bash: $(cat "$tmp/bash.err"); '$prog $prefix<TAB>' offers $option"
        else
            fail "bash completion of '$prog $prefix': got '$out' $(cat "$tmp/bash.err")"
        fi
    fi

    # zsh: syntax, then found through fpath by compinit and autoloaded.
    if [ -s "$zshc" ]; then
        zsh -n "$zshc" || fail "zsh -n $zshc"
        mkdir -p "$tmp/zfunc"
        cp "$zshc" "$tmp/zfunc/"
        if HOME="$tmp" zsh -f -c '
            fpath=("$1" $fpath)
            autoload -U compinit && compinit -u -D
            [[ $_comps[$2] == _$2 ]] || { print -u2 "compinit did not register _$2"; exit 1 }
            autoload -Uz +X _$2 && (( $+functions[_$2] ))' zsh "$tmp/zfunc" "$prog" 2>"$tmp/zsh.err"; then
            pass "zsh: compinit registers _$prog for $prog from fpath"
        else
            fail "zsh completion of $prog: $(cat "$tmp/zsh.err")"
        fi
    fi

    # fish: syntax, then autoloaded from a user's completions directory and
    # asked to complete (fish loads completions only for commands on PATH).
    if [ -s "$fishc" ]; then
        fish -n "$fishc" || fail "fish -n $fishc"
        mkdir -p "$tmp/config/fish/completions" "$tmp/bin"
        cp "$fishc" "$tmp/config/fish/completions/"
        printf '#!/bin/sh\n' >"$tmp/bin/$prog"
        chmod +x "$tmp/bin/$prog"
        out=$(PATH="$tmp/bin:$PATH" HOME="$tmp" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/share" \
            fish -c "complete -C '$prog $prefix'" 2>"$tmp/fish.err") || true
        if grep -q -- "^$option\b" <<<"$out"; then
            pass "fish: '$prog $prefix<TAB>' offers $option"
        else
            fail "fish completion of '$prog $prefix': got '$out' $(cat "$tmp/fish.err")"
        fi
    fi
done

if [ "$failures" -gt 0 ]; then
    echo "docs: $failures check(s) failed" >&2
    exit 1
fi
echo "docs: man pages and completions for pmv and pln are fine"
