# fish completion for pln.
# Generated from pln's option table by `cargo run -p xtask -- dist`; do not edit.

function __pln_directories
    __fish_complete_directories (commandline -ct | string replace -r -- '^--[^=]*=' '')
end

complete -c pln -l backup -f -a 'none off simple never existing nil numbered t' -d '[GNU] make a backup of each existing destination file'
complete -c pln -s b -d '[GNU] like --backup but does not accept an argument'
complete -c pln -s d -l directory -d '[GNU] allow hard links to directories (the kernel refuses them)'
complete -c pln -s F -d '[GNU] same as -d'
complete -c pln -s n -l no-dereference -d '[GNU] treat LINK_NAME as a normal file if it is a symlink to a directory'
complete -c pln -s T -l no-target-directory -d '[GNU] treat LINK_NAME as a normal file always'
complete -c pln -s f -l force -d '[GNU] replace existing destination files, atomically'
complete -c pln -s i -l interactive -d '[GNU] prompt whether to replace destinations'
complete -c pln -s S -l suffix -x -d '[GNU] override the usual backup suffix'
complete -c pln -s t -l target-directory -x -a '(__pln_directories)' -d '[GNU] create the links in DIRECTORY'
complete -c pln -s L -l logical -d '[GNU] dereference TARGETs that are symbolic links'
complete -c pln -s P -l physical -d '[GNU] make hard links directly to symbolic links'
complete -c pln -s r -l relative -d '[GNU] with -s, create links relative to link location'
complete -c pln -s s -l symbolic -d '[GNU] make symbolic links instead of hard links'
complete -c pln -s v -l verbose -d '[GNU] print name of each linked file'
complete -c pln -s h -d '[BSD] same as -n'
complete -c pln -l sync -d '[pmv] make each link durable: fsync its directory once it is in place'
complete -c pln -l help -d 'display this help and exit'
complete -c pln -l version -d 'output version information and exit'
