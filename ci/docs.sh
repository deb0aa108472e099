#!/usr/bin/env bash
# The man pages and shell completions in share/: that they are what
# `cargo run -p xtask -- dist` renders from the option tables today, and that
# they work as the tools that read them use them.
#
# - man: each page renders with man-db, groff and mandoc without a warning,
#   whatis can read its NAME line, it has the sections a manual has, its
#   SYNOPSIS holds every usage form of `--help`, and every option `--help`
#   lists has an entry.
# - completions: bash (with and without the bash-completion package, and
#   with '=' in COMP_WORDBREAKS or not), zsh (a real interactive zsh in a
#   pseudo-terminal) and fish each complete lines typed in a scratch
#   directory, and the candidates are checked exactly: operands complete
#   files and directories, -t directories only, --update= and --backup=
#   their words (only after '=': the next word is an operand), -S nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
have man || missing+=(man-db)
have groff || missing+=(groff-base)
have mandoc || missing+=(mandoc)
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
export LC_ALL=C.UTF-8

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

echo "== cargo test -p xtask; cargo run -p xtask -- dist"
cargo test --locked --quiet -p xtask
cargo run --locked --quiet -p xtask -- dist "$tmp/share" >/dev/null
if diff -r share "$tmp/share" >"$tmp/diff"; then
    pass "share/ is what xtask renders from the option tables"
else
    fail "share/ is out of date; run: cargo run -p xtask -- dist share
$(head -40 "$tmp/diff")"
fi
share=$PWD/share

cargo build --locked --quiet --bins
bin=$PWD/target/debug

# ---- man pages ------------------------------------------------------------

sections=(NAME SYNOPSIS DESCRIPTION OPTIONS "ATOMICITY AND LEFTOVERS" "EXIT STATUS"
    ENVIRONMENT EXAMPLES "SEE ALSO")
for prog in pmv pln; do
    page="$share/man/man1/$prog.1"
    [ -s "$page" ] || { fail "$page is missing"; continue; }
    if MANWIDTH=80 man --warnings=w -l "$page" >"$tmp/rendered" 2>"$tmp/warnings" &&
        [ ! -s "$tmp/warnings" ]; then
        pass "man -l $prog.1 renders without warnings"
    else
        fail "man -l $prog.1: $(cat "$tmp/warnings")"
    fi
    groff -man -ww -z "$page" 2>"$tmp/warnings" && [ ! -s "$tmp/warnings" ] ||
        fail "groff -ww $prog.1: $(cat "$tmp/warnings")"
    if mandoc -T lint -W style "$page" >"$tmp/lint" 2>&1; then
        pass "mandoc -T lint $prog.1: clean"
    else
        fail "mandoc -T lint $prog.1: $(cat "$tmp/lint")"
    fi
    lexgrog "$page" >/dev/null 2>&1 && pass "whatis reads $prog.1" ||
        fail "lexgrog cannot parse the NAME section of $prog.1"
    # Installed as share/ lays it out, man finds the page by name.
    MANPATH="$share/man" MANWIDTH=80 man "$prog" 2>/dev/null | cmp -s - "$tmp/rendered" ||
        fail "MANPATH=share/man man $prog does not show $prog.1"

    for s in "${sections[@]}"; do
        grep -qx "$s" "$tmp/rendered" || fail "$prog.1 has no $s section"
    done
    # The rendered page without its indentation, one section per file.
    sed 's/^ *//' "$tmp/rendered" >"$tmp/flat"
    section() { awk -v s="$1" '/^[A-Z]/ { on = ($0 == s) } on' "$tmp/rendered"; }

    "$bin/$prog" --help >"$tmp/help"
    # Every usage form of --help, word for word, in SYNOPSIS.
    section SYNOPSIS | sed 's/^ *//' >"$tmp/synopsis"
    forms=0
    while read -r form; do
        forms=$((forms + 1))
        grep -qxF -- "$form" "$tmp/synopsis" || fail "$prog.1 SYNOPSIS lacks '$form': $(cat "$tmp/synopsis")"
    done < <(sed -n 's/^\(Usage\|  or\): *//p' "$tmp/help")
    [ "$forms" -ge 3 ] || fail "$prog --help has $forms usage forms"
    # Every option of --help (each spelling), as an entry of OPTIONS.
    section OPTIONS | sed 's/^ *//' >"$tmp/options"
    options=0
    while read -r spelling; do
        options=$((options + 1))
        grep -qE -- "(^|, )$spelling([,=[ ]|$)" "$tmp/options" ||
            fail "$prog.1 has no entry for $spelling"
    done < <(grep -E '^ +-' "$tmp/help" | grep -oE -- '(^|[ ,])--?[A-Za-z][-a-z]*' | tr -d ' ,')
    [ "$options" -ge 15 ] || fail "$prog --help lists only $options options"
    for var in SIMPLE_BACKUP_SUFFIX VERSION_CONTROL POSIXLY_CORRECT; do
        section ENVIRONMENT | grep -q "$var" || fail "$prog.1 ENVIRONMENT lacks $var"
    done
    pass "$prog.1: $forms usage forms and $options option spellings of --help, every section"
done
section() { awk -v s="$1" '/^[A-Z]/ { on = ($0 == s) } on' "$tmp/rendered"; }
MANWIDTH=200 man -l "$share/man/man1/pmv.1" >"$tmp/rendered" 2>/dev/null
for want in 'pmv -T --update=none-fail upload.tmp "inbox/$id" && echo claimed' \
    'pmv -T current.new current' 'pmv --exchange -T site.new site' \
    'pmv -T $(DESTDIR)/usr/local/bin/.app.new $(DESTDIR)/usr/local/bin/app'; do
    section EXAMPLES | grep -qF -- "$want" || fail "pmv.1 EXAMPLES lacks: $want"
done
for backend in linux apple bsd posix; do
    section DESCRIPTION | grep -qE "^ +$backend " || fail "pmv.1 DESCRIPTION does not describe the $backend backend"
done

# ---- completions -----------------------------------------------------------

# A scratch directory to complete in.
work="$tmp/work"
mkdir -p "$work/subdir" "$work/other dir"
touch "$work/alpha.txt" "$work/beta.txt"
files="alpha.txt beta.txt other_dir subdir"
dirs="other_dir subdir"

# One bash: load the completion, split LINE into words as readline does
# (with '=' in COMP_WORDBREAKS, '--opt=x' is '--opt' '=' 'x'), call the
# completion function, print the candidates.
cat >"$tmp/bash-complete" <<'EOF'
mode=$1 line=$2
prog=${line%% *}
case $mode in
    plain) source "$SHARE/bash-completion/completions/$prog" ;;
    *)
        source /usr/share/bash-completion/bash_completion
        if declare -F _comp_load >/dev/null; then _comp_load "$prog"; else __load_completion "$prog"; fi ;;
esac
[[ $mode == no-break ]] && COMP_WORDBREAKS=${COMP_WORDBREAKS//=/}
spec=$(complete -p "$prog") || exit 3
fn=$(sed -n 's/.*-F \([^ ]*\).*/\1/p' <<<"$spec")
words=() w=
for ((i = 0; i < ${#line}; i++)); do
    ch=${line:i:1}
    if [[ $ch == ' ' ]]; then
        [[ -n $w ]] && words+=("$w")
        w=
    elif [[ $ch == = && $COMP_WORDBREAKS == *=* ]]; then
        [[ -n $w ]] && words+=("$w")
        words+=("=")
        w=
    else
        w+=$ch
    fi
done
if [[ -n $w ]]; then words+=("$w"); elif [[ $line == *' ' ]]; then words+=(""); fi
COMP_WORDS=("${words[@]}") COMP_CWORD=$((${#words[@]} - 1))
COMP_LINE=$line COMP_POINT=${#line}
"$fn" "$prog" "${words[COMP_CWORD]}" "${words[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
EOF

# One zsh: a real interactive zsh in a pseudo-terminal (zpty), with
# compinit finding the completion on fpath; TAB runs the completion system,
# and every match it adds is written down.
cat >"$tmp/zsh-complete" <<'EOF'
zmodload zsh/zpty || exit 3
line=$1 out=$2
: >$out
zpty z zsh -f -i
zpty -w z "PS1=; fpath=(${(q)SHARE}/zsh/site-functions \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd() {
    if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi
    local -a found; builtin compadd -O found "$@"
    (( $#found )) && print -rl -- ${(Q)found} >>'"${(q)out}"'
    builtin compadd "$@"
}'
zpty -w z '_record() { _main_complete; print -r -- "<done>" >>'"${(q)out}"'; compstate[insert]=; compstate[list]=; }
zle -C record complete-word _record; bindkey "^I" record'
zpty -w -n z "$line"$'\t'
for i in {1..200}; do grep -qx '<done>' $out && break; sleep 0.05; done
zpty -d z
grep -qx '<done>' $out || exit 4
grep -vx '<done>' $out || true
EOF

# The candidates, one a line: sorted, unique, descriptions and the slash
# marking a directory dropped.
normal() { sed 's/\t.*//; s|/$||; /^$/d' | sort -u | tr '\n' '|'; }
expect() { tr ' ' '\n' <<<"$1" | sed 's/_/ /g; /^$/d' | sort -u | tr '\n' '|'; }

# check SHELL MODE LINE WANT: the candidates SHELL offers for LINE (typed
# in the scratch directory) are exactly WANT (space-separated; '_' for a
# space in a name).
check() {
    local shell=$1 mode=$2 line=$3 want got rc=0
    want=$(expect "$4")
    case $shell in
        bash) got=$(cd "$work" && SHARE=$share XDG_DATA_HOME="$tmp/none" \
            BASH_COMPLETION_USER_DIR="$share/bash-completion" \
            bash --norc --noprofile "$tmp/bash-complete" "$mode" "$line" 2>"$tmp/err") || rc=$? ;;
        zsh) got=$(cd "$work" && SHARE=$share HOME="$tmp" zsh -f "$tmp/zsh-complete" "$line" "$tmp/zsh.out" 2>"$tmp/err") || rc=$? ;;
        fish) got=$(cd "$work" && PATH="$tmp/bin:$PATH" HOME="$tmp" XDG_CONFIG_HOME="$tmp/config" \
            XDG_DATA_DIRS="$share" fish -c "complete -C '$line'" 2>"$tmp/err") || rc=$? ;;
    esac
    got=$(normal <<<"$got")
    if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
        pass "$shell${mode:+ ($mode)}: '$line<TAB>' offers ${want:-nothing}"
    else
        fail "$shell${mode:+ ($mode)}: '$line<TAB>' offers '$got' (status $rc), want '$want' $(cat "$tmp/err")"
    fi
}
mkdir -p "$tmp/bin"
for prog in pmv pln; do
    # fish loads completions only for commands on PATH.
    printf '#!/bin/sh\n' >"$tmp/bin/$prog"
    chmod +x "$tmp/bin/$prog"
    bash -n "$share/bash-completion/completions/$prog" || fail "bash -n $prog"
    zsh -n "$share/zsh/site-functions/_$prog" || fail "zsh -n _$prog"
    fish -n "$share/fish/vendor_completions.d/$prog.fish" || fail "fish -n $prog.fish"
done

update="all none none-fail older"
backup="none off simple never existing nil numbered t"
for shell in bash zsh fish; do
    check "$shell" "" "pmv alpha.txt " "$files"
    check "$shell" "" "pmv -u " "$files"
    # An optional argument only follows '=', as getopt_long reads it.
    check "$shell" "" "pmv --update " "$files"
    check "$shell" "" "pmv --backup " "$files"
    check "$shell" "" "pln --backup " "$files"
    check "$shell" "" "pmv -- -t " "$files"
    check "$shell" "" "pmv -t " "$dirs"
    check "$shell" "" "pmv -vt " "$dirs"
    check "$shell" "" "pmv --target-directory " "$dirs"
    check "$shell" "" "pmv -S " ""
    check "$shell" "" "pmv --no-t" "--no-target-directory"
    check "$shell" "" "pln -s alpha.txt " "$files"
    check "$shell" "" "pln -t " "$dirs"
    check "$shell" "" "pln --symb" "--symbolic"
    if [ "$shell" = fish ]; then
        # fish offers the whole word, --opt=VALUE.
        check fish "" "pmv --update=" "$(sed 's/\([^ ]*\)/--update=\1/g' <<<"$update")"
        check fish "" "pmv --backup=ni" "--backup=nil"
        check fish "" "pmv --target-directory=" "--target-directory=other_dir --target-directory=subdir"
        check fish "" "pmv --suffix=" ""
    else
        check "$shell" "" "pmv --update=" "$update"
        check "$shell" "" "pmv --backup=" "$backup"
        check "$shell" "" "pmv --backup=ni" "nil"
        check "$shell" "" "pln --backup=" "$backup"
        check "$shell" "" "pmv --target-directory=" "$dirs"
        check "$shell" "" "pmv --suffix=" ""
    fi
done
# bash alone: abbreviated long options, the completion without the
# bash-completion package, and a COMP_WORDBREAKS without '='.
check bash "" "pmv --ta " "$dirs"
check bash "" "pmv --upd=" "$update"
check bash plain "pmv alpha.txt " "$files"
check bash plain "pmv -t " "$dirs"
check bash plain "pmv --update=" "$update"
check bash no-break "pmv --update=n" "--update=none --update=none-fail"
check bash no-break "pmv --target-directory=s" "--target-directory=subdir"

if [ "$failures" -gt 0 ]; then
    echo "docs: $failures check(s) failed" >&2
    exit 1
fi
echo "docs: man pages and completions for pmv and pln are current and work"
