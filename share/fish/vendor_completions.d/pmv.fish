# fish completion for pmv.
# Generated from pmv's option table by `cargo run -p xtask -- dist`; do not edit.

function __pmv_directories
    __fish_complete_directories (commandline -ct | string replace -r -- '^--[^=]*=' '')
end

complete -c pmv -l backup -f -a 'none off simple never existing nil numbered t' -d '[GNU] make a backup of each existing destination file'
complete -c pmv -s b -d '[GNU] like --backup but does not accept an argument'
complete -c pmv -s Z -l context -d '[GNU] accepted; SELinux contexts are left to the system'
complete -c pmv -l debug -d '[GNU] say which mechanism each move used and whether it was atomic; implies -v'
complete -c pmv -l exchange -d '[GNU] exchange SOURCE and DEST atomically, or fail'
complete -c pmv -s f -l force -d '[GNU] do not prompt before overwriting'
complete -c pmv -s h -d '[FreeBSD] if DEST is a symlink, replace it instead of moving into it'
complete -c pmv -s i -l interactive -d '[GNU] prompt before overwrite'
complete -c pmv -s n -l no-clobber -d '[GNU] do not overwrite an existing file (atomic)'
complete -c pmv -l no-copy -d '[GNU] do not copy if renaming fails'
complete -c pmv -s T -l no-target-directory -d '[GNU] treat DEST as a normal file'
complete -c pmv -l strip-trailing-slashes -d '[GNU] remove any trailing slashes from each SOURCE'
complete -c pmv -s S -l suffix -x -d '[GNU] override the usual backup suffix'
complete -c pmv -s t -l target-directory -x -a '(__pmv_directories)' -d '[GNU] move all SOURCE arguments into DIRECTORY'
complete -c pmv -s u -d '[GNU] replace only: all, none, none-fail, older (-u)'
complete -c pmv -l update -f -a 'all none none-fail older' -d '[GNU] replace only: all, none, none-fail, older (-u)'
complete -c pmv -s v -l verbose -d '[GNU] explain what is being done'
complete -c pmv -l atomic -d '[pmv] fail instead of any step that is not atomic'
complete -c pmv -s g -l progress -d '[pmv] progress bar for copies across file systems'
complete -c pmv -l sync -d '[pmv] make the result durable: flush copied data, then each changed directory'
complete -c pmv -l help -d 'display this help and exit'
complete -c pmv -l version -d 'output version information and exit'
