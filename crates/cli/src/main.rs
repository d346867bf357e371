//! The `jijiao` binary; everything lives in the library so tests share it.

fn main() -> std::process::ExitCode {
    jijiao::run()
}
