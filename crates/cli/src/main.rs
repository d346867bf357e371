//! The `jijiao` binary; everything lives in the library so tests share it.

/// mimalloc rather than glibc's allocator: a catalogue search allocates for every value of every row
/// the database hands back, and under 32 concurrent searches glibc's malloc and free took about a
/// tenth of the time, partly waiting on its arenas' locks (BENCHMARKS.md, issue 6, "Third
/// session's machine").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    jijiao::run()
}
