//! The `remodel` command.

fn main() -> std::process::ExitCode {
    remodel_cli::main(std::env::args_os())
}
