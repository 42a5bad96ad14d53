#!/bin/sh
# sel4-ocamlfind's refusals, each one error line: a stub library that needs
# an OS (Unix) names the missing C functions; a compiler whose version is
# not the runtime's stops before compiling; bytecode is refused.
# Usage: link-errors.sh DIR (a scratch directory)
set -u
dir=$1
tool=$(cd "$(dirname "$0")/.." && pwd)/sel4-ocamlfind
fail() { echo "link-errors: $*" >&2; exit 1; }
one_error() { # $1 = file, $2 = what the line must say
    n=$(grep -c '^sel4-ocamlfind: error: ' "$1")
    [ "$n" -eq 1 ] || fail "want one error line, got $n: $(cat "$1")"
    grep -q "^sel4-ocamlfind: error: .*$2" "$1" || fail "the error does not say '$2': $(cat "$1")"
    ! grep -q Traceback "$1" || fail "a Python traceback: $(cat "$1")"
}
printf 'let () = print_float (Unix.gettimeofday ())\n' > "$dir/u.ml"
if (cd "$dir" && "$tool" ocamlopt -package unix -linkpkg u.ml -o u.elf) > "$dir/unix.err" 2>&1; then
    fail "linking the Unix library succeeded"
fi
one_error "$dir/unix.err" "the link needs [0-9]* symbol(s) .*socket (wanted by libunix.a)"
mkdir -p "$dir/fake-runtime"
printf '4.14.0\n' > "$dir/fake-runtime/VERSION"
if SEL4_OCAML_RUNTIME="$dir/fake-runtime" "$tool" ocamlopt "$dir/u.ml" -o "$dir/x.elf" > "$dir/version.err" 2>&1; then
    fail "a version mismatch was accepted"
fi
one_error "$dir/version.err" "ocamlopt is OCaml 4.13.1, the seL4 runtime is OCaml 4.14.0"
if "$tool" ocamlc "$dir/u.ml" > "$dir/ocamlc.err" 2>&1; then
    fail "ocamlc was accepted"
fi
one_error "$dir/ocamlc.err" "bytecode"
echo "link-errors: the three refusals are one error line each"
