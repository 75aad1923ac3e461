//! The console on a real terminal of a fixed width: the real `ptest` binary
//! runs with stdout and stderr on a pseudo-terminal (openpty, window size
//! set with TIOCSWINSZ), and everything it writes there is checked: no
//! line is wider than the terminal (ANSI sequences stripped, a `\r` starts
//! the line over, as the progress bar does), the bar was drawn, and text
//! that had to wrap is all there.

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A pseudo-terminal of `cols` columns: (master, slave).
fn pty(cols: u16) -> (std::fs::File, OwnedFd) {
    let mut master = -1;
    let mut slave = -1;
    let size = libc::winsize {
        ws_row: 24,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two fds into the given ints; the name and
    // termios pointers may be null; `size` outlives the call.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both fds were just opened by openpty and are owned here only.
    unsafe {
        (
            std::fs::File::from_raw_fd(master),
            OwnedFd::from_raw_fd(slave),
        )
    }
}

fn executable(dir: &Path, rel: &str, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, text).expect("write test file");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A suite with long names, a failing file with long, wide and tabbed
/// output lines, and files slow enough for the bar to be drawn.
fn suite() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..4 {
        executable(
            dir.path(),
            &format!("t/a_test_file_with_a_rather_long_name_number_{i}.sh"),
            "#!/bin/sh\necho 1..2\nsleep 1.2\necho ok 1 - first\necho ok 2 - second\n",
        );
    }
    executable(
        dir.path(),
        "t/fails.sh",
        "#!/bin/sh\necho 1..1\n\
         echo 'not ok 1 - alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike'\n\
         printf 'tab\\tseparated\\tcolumns\\tof\\toutput\\tthat\\tgo\\ton\\tand\\ton\\n' >&2\n\
         echo '日本語の出力はターミナルで二列の幅を取るので正しく数える必要があります' >&2\n\
         exit 1\n",
    );
    dir
}

/// Runs ptest in `dir` on a `cols`-wide terminal; returns all it wrote
/// there and its exit code.
fn run_on_pty(dir: &Path, cols: u16, args: &[&str]) -> (String, i32) {
    let (mut master, slave) = pty(cols);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ptest"));
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave.try_clone().expect("dup slave")))
        .stderr(Stdio::from(slave))
        .env_remove("CI")
        .env_remove("NO_COLOR")
        .env_remove("PERL5LIB")
        .env_remove("HARNESS_ACTIVE")
        .env("TERM", "xterm-256color");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PTEST_") {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd.spawn().expect("spawn ptest");
    // Our copies of the slave are closed (moved into `cmd` and dropped
    // with it), so reading ends with EIO once ptest exits.
    drop(cmd);
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match master.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
            }
        }
        bytes
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("ptest did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let bytes = reader.join().expect("reader thread");
    (
        String::from_utf8_lossy(&bytes).into_owned(),
        status.code().unwrap_or(-1),
    )
}

/// What each physical line shows: ANSI stripped, split at `\n` and `\r`.
fn segments(output: &str) -> Vec<String> {
    console::strip_ansi_codes(output)
        .split('\n')
        .flat_map(|line| line.split('\r'))
        .map(str::to_string)
        .collect()
}

fn assert_fits(output: &str, cols: usize) {
    for segment in segments(output) {
        assert!(
            !segment.contains('\t'),
            "a tab reached the terminal: {segment:?}"
        );
        let width = console::measure_text_width(&segment);
        assert!(
            width <= cols,
            "a line of {width} columns on a {cols}-column terminal: {segment:?}\n--- output:\n{output}"
        );
    }
}

/// The words of the output, in order, with line breaks and gutters gone.
fn words(output: &str) -> String {
    console::strip_ansi_codes(output)
        .replace(['\r', '\n', '│'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_line_fits_a_40_column_terminal() {
    let dir = suite();
    let (output, code) = run_on_pty(dir.path(), 40, &["t", "-j", "2", "--no-history"]);
    assert_eq!(code, 1, "{output}");
    assert_fits(&output, 40);
    // The bar was drawn, with no ETA before any file finished.
    assert!(output.contains("ETA --"), "{output}");
    assert!(output.contains("0/5"), "{output}");
    // Wrapped text is all there, in order.
    let words = words(&output);
    assert!(
        words.contains(
            "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike"
        ),
        "{words}"
    );
    assert!(words.contains("Result: FAIL"), "{words}");
}

#[test]
fn every_line_fits_an_80_column_terminal() {
    let dir = suite();
    let (output, code) = run_on_pty(dir.path(), 80, &["t", "-j", "2", "--no-history"]);
    assert_eq!(code, 1, "{output}");
    assert_fits(&output, 80);
    assert!(
        words(&output).contains("parallel efficiency on 2 jobs"),
        "{output}"
    );
    // The bar takes a third of the 77 columns it may use (3 kept for ^C).
    let bars: Vec<usize> = segments(&output)
        .iter()
        .filter(|s| s.contains("ETA"))
        .filter_map(|s| Some(s.find(']')? - s.find('[')? - 1))
        .collect();
    assert!(!bars.is_empty(), "no bar drawn:\n{output}");
    assert!(bars.iter().all(|&w| w == 25), "{bars:?}");
}

#[test]
fn the_bar_is_erased_at_the_end() {
    let dir = suite();
    let (output, _) = run_on_pty(dir.path(), 80, &["t", "-j", "4", "--no-history"]);
    // Whatever was drawn last on each line is what stays: no line ending
    // in a `\n` shows a bar.
    for line in console::strip_ansi_codes(&output).split('\n') {
        let shown = line.rsplit('\r').next().unwrap_or_default();
        assert!(
            !shown.contains("ETA"),
            "a bar left behind: {shown:?}\n{output}"
        );
    }
}
