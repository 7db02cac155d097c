//! `guyub qris …` run as a real process: exit codes, stdout and stderr, standard input, and
//! the images it writes (decoded back to the payload).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const CONWEB: &str = "00020101021126570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605802ID5906Conweb6014Kota Palembang61053016163045C12";
const CONWEB_25000: &str = "00020101021226570011ID.DANA.WWW011893600915303371673602090337167360303UMI51440014ID.CO.QRIS.WWW0215ID10265623758930303UMI5204737253033605405250005802ID5906Conweb6014Kota Palembang6105301616304B25F";
const GUREUM: &str = "00020101021126530012COM.DOKU.WWW0118936008990000002475020424750303URE51440014ID.CO.QRIS.WWW0215ID10200392934820303URE5204539953033605802ID5911GUREUM SHOP6013JAKARTA PUSAT61051064062070703A016304455C";
const GUREUM_1000_FEE_500: &str = "00020101021226530012COM.DOKU.WWW0118936008990000002475020424750303URE51440014ID.CO.QRIS.WWW0215ID10200392934820303URE5204539953033605404100055020256035005802ID5911GUREUM SHOP6013JAKARTA PUSAT61051064062070703A016304FD26";
const DUITNOW: &str = "00020201021126410014A000000615000101065016640209123456789520499995303458540510.005802MY5909QRCSDNBHD6005BANGI6304343F";

fn guyub(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_guyub"));
    cmd.args(args)
        .env_remove("GUYUB_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("guyub starts");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("writes stdin");
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("guyub ends")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("guyub-qris-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn check_accepts_a_valid_code_and_summarises_it() {
    let o = guyub(&["qris", "check", CONWEB], None);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let s = out(&o);
    assert!(s.contains("QRIS valid (statis / static)"), "{s}");
    assert!(s.contains("Merchant name: Conweb"), "{s}");
    assert!(s.contains("NMID: ID1026562375893"), "{s}");
    assert!(s.contains("PJSP / Acquirer: DANA (ID.DANA.WWW)"), "{s}");
    assert!(err(&o).is_empty(), "{}", err(&o));
}

#[test]
fn check_refuses_with_the_reason_on_stderr() {
    let bad = CONWEB.replace("5C12", "5C13");
    let o = guyub(&["qris", "check", &bad], None);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(
        e.contains("QRIS tidak valid: CRC salah: tertulis 5C13, seharusnya 5C12"),
        "{e}"
    );
    assert!(e.contains("invalid QRIS: Wrong CRC"), "{e}");
    assert!(e.contains("tag 63"), "{e}");
    assert!(out(&o).is_empty());

    let o = guyub(&["qris", "check", DUITNOW], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("DuitNow (Malaysia)"), "{}", err(&o));

    let lie = GUREUM.replace("5911GUREUM", "5919GUREUM");
    let o = guyub(&["qris", "check", &lie], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("the length of tag 59 does not match"),
        "{}",
        err(&o)
    );
}

#[test]
fn check_reads_standard_input_and_says_what_it_forgave() {
    let lower = format!("{}\n", CONWEB.replace("5C12", "5c12"));
    let o = guyub(&["qris", "check", "-"], Some(&lower));
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let e = err(&o);
    assert!(e.contains("peringatan: Spasi/baris baru"), "{e}");
    assert!(
        e.contains("warning: The CRC is written in lower case"),
        "{e}"
    );
}

#[test]
fn decode_lists_every_tag_with_names_and_templates() {
    let o = guyub(&["qris", "decode", GUREUM], None);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let s = out(&o);
    assert!(
        s.contains("59    Nama merchant / Merchant Name: GUREUM SHOP"),
        "{s}"
    );
    assert!(
        s.contains(
            "    51.02 NMID (National Merchant ID) / NMID (National Merchant ID): ID1020039293482"
        ),
        "{s}"
    );
    assert!(
        s.contains("    62.07 Label terminal / Terminal Label: A01"),
        "{s}"
    );
    assert!(s.contains("Status: QRIS valid (statis / static)"), "{s}");

    // A code that is not QRIS is still decoded, with the verdict.
    let o = guyub(&["qris", "decode", DUITNOW], None);
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).contains("Status: tidak valid"), "{}", out(&o));

    // Text that is not TLV at all cannot be decoded.
    let o = guyub(&["qris", "decode", "hello"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("cannot be read as QR data"), "{}", err(&o));
}

#[test]
fn decode_json_is_machine_readable() {
    let o = guyub(&["qris", "decode", "--json", CONWEB_25000], None);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("JSON");
    assert_eq!(v["valid"], true);
    assert_eq!(v["summary"]["point_of_initiation"], "dynamic");
    assert_eq!(v["summary"]["amount"], "Rp 25.000");
    assert_eq!(v["summary"]["acquirer"]["name"], "DANA");
    let objs = v["objects"].as_array().expect("objects");
    assert_eq!(objs[0]["tag"], "00");
    let t51 = objs.iter().find(|o| o["tag"] == "51").expect("51");
    assert_eq!(t51["objects"][1]["tag"], "51.02");
    assert_eq!(t51["objects"][1]["value"], "ID1026562375893");
    assert_eq!(
        t51["objects"][1]["name"]["en"],
        "NMID (National Merchant ID)"
    );

    let bad = CONWEB.replace("5C12", "0000");
    let o = guyub(&["qris", "decode", "--json", &bad], None);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).expect("JSON");
    assert_eq!(v["valid"], false);
    assert_eq!(v["error"]["tag"], "63");
    assert_eq!(v["error"]["offset"], CONWEB.len() - 4);
}

#[test]
fn dynamic_prints_the_new_payload_and_nothing_else() {
    let o = guyub(&["qris", "dynamic", CONWEB, "--amount", "25000"], None);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), format!("{CONWEB_25000}\n"));
    assert!(err(&o).is_empty());

    let o = guyub(
        &[
            "qris",
            "dynamic",
            GUREUM,
            "--amount",
            "1.000",
            "--fee-fixed",
            "500",
        ],
        None,
    );
    assert_eq!(out(&o), format!("{GUREUM_1000_FEE_500}\n"), "{}", err(&o));

    let o = guyub(
        &[
            "qris",
            "dynamic",
            "-",
            "--amount",
            "10000",
            "--fee-percent",
            "2,5",
        ],
        Some(CONWEB),
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).contains("54051000055020357032.55802ID"),
        "{}",
        out(&o)
    );

    // Converting a converted code replaces its amount.
    let o = guyub(
        &["qris", "dynamic", CONWEB_25000, "--amount", "40000"],
        None,
    );
    assert!(
        out(&o)
            .trim_end()
            .ends_with("5405400005802ID5906Conweb6014Kota Palembang6105301616304FC60")
    );
}

#[test]
fn dynamic_refuses_bad_amounts_and_fees() {
    for (args, needle) in [
        (vec!["--amount", "0"], "more than 0"),
        (vec!["--amount", "10rb"], "the character 'r' is not allowed"),
        (vec!["--amount", "-5"], "cannot be negative"),
        (
            vec!["--amount", "1000", "--fee-percent", "100"],
            "less than 100%",
        ),
        (
            vec!["--amount", "1000", "--fee-fixed", "lima"],
            "--fee-fixed",
        ),
    ] {
        let mut a = vec!["qris", "dynamic", CONWEB];
        a.extend(args.iter().copied());
        let o = guyub(&a, None);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(err(&o).contains(needle), "{args:?}: {}", err(&o));
        assert!(out(&o).is_empty());
    }
    // Both fees at once: clap refuses (usage error, exit 2).
    let o = guyub(
        &[
            "qris",
            "dynamic",
            CONWEB,
            "--amount",
            "1",
            "--fee-fixed",
            "1",
            "--fee-percent",
            "1",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    // An invalid input code is not converted.
    let o = guyub(&["qris", "dynamic", DUITNOW, "--amount", "1000"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).is_empty());
}

/// Decodes a greyscale image with rqrr, as a phone's camera would read the code.
fn scan(width: usize, height: usize, luma: &[u8]) -> String {
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    let (_, content) = grids[0].decode().expect("decodes");
    content
}

#[test]
fn render_writes_png_and_svg_that_scan_back_to_the_payload() {
    let png_path = tmp("conweb.png");
    let p = png_path.to_str().expect("utf-8 path");
    let o = guyub(
        &[
            "qris",
            "render",
            CONWEB_25000,
            "--out",
            p,
            "--module-px",
            "4",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let bytes = std::fs::read(&png_path).expect("png written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("PNG image");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (w, h) = (info.width as usize, info.height as usize);
    assert_eq!(scan(w, h, &buf[..w * h]), CONWEB_25000);

    let svg_path = tmp("conweb.svg");
    let s = svg_path.to_str().expect("utf-8 path");
    let o = guyub(&["qris", "render", CONWEB, "--out", s], None);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let svg = std::fs::read_to_string(&svg_path).expect("svg written");
    assert!(svg.starts_with("<svg") && svg.contains("<title>QRIS Conweb</title>"));

    let o = guyub(&["qris", "render", CONWEB, "--out", "x.gif"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains(".svg or .png"));
    let o = guyub(&["qris", "render", DUITNOW, "--out", s], None);
    assert_eq!(o.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(png_path.parent().expect("dir"));
}
