//! Every vector of `reference/providers.md` §6.3–6.4, and properties: what is generated parses
//! back to the same code, and no input panics the parser.

use super::drop::{self, Code, Payee};
use super::mpm::{self, crc16, Initiation, Tip};
use super::QrError;
use proptest::prelude::*;

const V1: &str = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";
const V2: &str = "00020101021252044131153137210116372101160123456789ABCDE6016Banteay Meanchey5913Kuntheas Shop5802KH540510.005303840621201081234567863041FF2";
const V3: &str = "00020101021226570011ID.DANA.WWW011893600915015706056102091570605610303UME51440014ID.CO.QRIS.WWW0215ID20210807329890303UME5204893153033605405100005802ID5906XENDIT6015Kota Jakarta Se61051219062720115SzW8BPHhw35i1vT60490011ID.DANA.WWW0425MER2021071400774509608641050116304B00A";
const V4: &str = "00020101021126620014COM.GO-JEK.WWW011993600914123456789010210G1234567890303UMI51440014ID.CO.QRIS.WWW0215ID10200123456780303UMI5204581253033605802ID5911TOKO CONTOH6007JAKARTA61051011062120708KASIR-0163043ACC";
const V5: &str = "00020101021129370016A000000677010111011300669245317755802TH54076000.00530376463049B3B";
const V6: &str = "00020101021226150011com.paymaya5204490053036085405390.85802PH5907Meralco6005Pasig62530110046649980150350020com.paymaya.billspay0107meralco80870015com.bayadcenter0105000010205MECOA0316046649980181013604260466499801812101361210260363041DB5";
const V7: &str = "00020101021226150011com.paymaya52044111530360854061000.05802PH5920CIS BAYAD CENTER INC6005Pasig62500110022394211350320020com.paymaya.billspay0104pldt80570015com.bayadcenter0105002140205PLDT6041012345678900702PD6304955F";
const NO_STATIC: &str =
    "00020101021126370014NO.EXAMPLE.PAY0115MERCHANT-0001235204581253035785802NO5913KAFFEBAREN AS6004OSLO630440E2";
const NO_DYNAMIC: &str = "00020101021226370014NO.EXAMPLE.PAY0115MERCHANT-0001235204581253035785406149.005802NO5913KAFFEBAREN AS6004OSLO62290515ORDER-2024-00010706KASSE16304A113";

#[test]
fn crc_vectors() {
    assert_eq!(crc16(b"123456789"), 0x29B1);
    assert_eq!(crc16(b"A random string"), 0x0375);
    assert_eq!(crc16(b""), 0xFFFF);
    for (payload, crc) in [
        (V1, "A13A"),
        (V2, "1FF2"),
        (V3, "B00A"),
        (V4, "3ACC"),
        (V5, "9B3B"),
        (V6, "1DB5"),
        (V7, "955F"),
        (NO_STATIC, "40E2"),
        (NO_DYNAMIC, "A113"),
    ] {
        let signed = &payload[..payload.len() - 4];
        assert_eq!(format!("{:04X}", crc16(signed.as_bytes())), crc, "{payload}");
        mpm::parse(payload).unwrap_or_else(|e| panic!("{e}: {payload}"));
    }
}

#[test]
fn the_spec_example_parses_in_full() {
    let m = mpm::parse(V1).unwrap();
    assert_eq!(V1.chars().count(), 248);
    assert_eq!(m.initiation, Some(Initiation::Dynamic));
    assert_eq!(
        m.accounts.iter().map(|a| (a.id, a.guid.as_str())).collect::<Vec<_>>(),
        [(29, "D15600000000"), (31, "D15600000001")]
    );
    assert_eq!((m.amount.as_deref(), m.currency.as_str(), m.tip.clone()), (Some("23.72"), "156", Some(Tip::Prompt)));
    assert_eq!(m.additional.get(&6).map(String::as_str), Some("***"));
    assert_eq!(m.additional.get(&9).map(String::as_str), Some("ME"));
    assert!(m.other.contains_key(&64) && m.other.contains_key(&91));
    assert_eq!(drop::read(V1), Err(QrError::Foreign), "a valid code of another scheme");
}

#[test]
fn the_norwegian_examples_are_written_exactly() {
    for payload in [NO_STATIC, NO_DYNAMIC] {
        let m = mpm::parse(payload).unwrap();
        assert_eq!(mpm::encode(&m).unwrap(), payload);
    }
    let d = mpm::parse(NO_DYNAMIC).unwrap();
    assert_eq!((d.amount.as_deref(), d.currency.as_str(), d.country.as_deref()), (Some("149.00"), "578", Some("NO")));
    assert_eq!(d.additional.get(&5).map(String::as_str), Some("ORDER-2024-0001"));
    assert_eq!(mpm::parse(NO_STATIC).unwrap().initiation, Some(Initiation::Static));
}

#[test]
fn parser_rules() {
    let tampered = NO_DYNAMIC.replace("149.00", "949.00");
    assert_eq!(mpm::parse(&tampered), Err(QrError::Crc));
    assert_eq!(mpm::parse(&NO_STATIC.replace("40E2", "40e2")).map(|_| ()), Ok(()), "hex case-insensitive");
    assert_eq!(mpm::parse(&NO_STATIC[6..]), Err(QrError::FormatIndicator));
    assert_eq!(mpm::parse(&NO_STATIC[..NO_STATIC.len() - 8]), Err(QrError::Crc));
    assert_eq!(mpm::parse(&"0".repeat(600)), Err(QrError::TooLong));
    // Rewritten with a fresh CRC, each of these breaks one rule.
    let resign = |body: &str| {
        let signed = format!("{body}6304");
        format!("{signed}{:04X}", crc16(signed.as_bytes()))
    };
    let base = "000201010212";
    let account = "26150011NO.DROP.PAY";
    for (body, err) in [
        (format!("{base}5303578"), QrError::NoMerchantAccount),
        (format!("{base}{account}5302575802NO"), QrError::Field("53")),
        (format!("{base}{account}5303578540598,73"), QrError::Field("54")),
        (format!("{base}{account}53035785403000"), QrError::Field("54")),
        (format!("{base}{account}53035785802no"), QrError::Field("58")),
        (format!("{base}{account}5303578550202"), QrError::Field("55")),
        (format!("{base}{account}{account}"), QrError::Duplicate(26)),
        (format!("{base}0102115303578{account}"), QrError::Duplicate(1)),
        (format!("{base}26040100"), QrError::Field("26-51")),
    ] {
        assert_eq!(mpm::parse(&resign(&body)), Err(err.clone()), "{body}");
    }
    for ok in ["98.73", "98", "98."] {
        assert!(mpm::parse(&resign(&format!("{base}{account}530357854{:02}{ok}", ok.len()))).is_ok(), "{ok}");
    }
}

fn merchant(amount: Option<i64>) -> Code {
    Code {
        payee: Payee::Merchant("mer_01JD5ZK3Q8W6X2Y4V7T9R1N0MB".into()),
        amount,
        reference: amount.map(|_| "qr_01JD5ZK3Q8W6X2Y4V7T9R1N0MC".into()),
        mcc: "5812".into(),
        name: "KAFFEBAREN AS".into(),
        city: "OSLO".into(),
    }
}

#[test]
fn drop_codes_round_trip() {
    for code in [merchant(None), merchant(Some(14_900)), merchant(Some(1))] {
        let payload = drop::encode(&code).unwrap();
        assert_eq!(drop::read(&payload).unwrap(), code, "{payload}");
    }
    let payload = drop::encode(&merchant(Some(14_950))).unwrap();
    assert!(payload.contains("5406149.50") && payload.contains("5303578") && payload.contains("5802NO"));
    assert!(payload.contains("0011NO.DROP.PAY0130mer_"), "{payload}");
    let request =
        Code { payee: Payee::Request("req_01JD5ZK3Q8W6X2Y4V7T9R1N0MD".into()), mcc: "0000".into(), ..merchant(None) };
    assert_eq!(drop::read(&drop::encode(&request).unwrap()).unwrap().payee, request.payee);
    assert_eq!(drop::encode(&merchant(Some(0))), Err(QrError::Field("54")));
    let local = Code { name: "Kaffebaren på Grünerløkka AS".into(), city: "Bærum".into(), ..merchant(None) };
    let read = drop::read(&drop::encode(&local).unwrap()).unwrap();
    assert_eq!((read.name.as_str(), read.city.as_str()), ("Kaffebaren pa Grunerlokka", "Baerum"));
    assert_eq!(drop::encode(&Code { name: " ".into(), ..merchant(None) }), Err(QrError::Field("59")));
}

#[test]
fn drop_profile_refusals() {
    assert_eq!(drop::read(NO_DYNAMIC), Err(QrError::Foreign));
    let resign = |body: &str| {
        let signed = format!("{body}6304");
        format!("{signed}{:04X}", crc16(signed.as_bytes()))
    };
    let inner = super::tlv::write(0, drop::GUID).unwrap() + &super::tlv::write(1, "mer_01JD5ZK3Q8W6X2Y4V7T9R").unwrap();
    let acct = super::tlv::write(26, &inner).unwrap();
    for (body, err) in [
        (format!("000201010212{acct}53039785406149.005802NO"), QrError::Field("53")),
        (format!("000201010212{acct}53035785802NO"), QrError::Field("54")),
        (format!("000201010211{acct}53035785406149.005802NO"), QrError::Field("54")),
        (format!("000201010212{acct}53035785406149.005802SE"), QrError::Field("58")),
        (format!("000201010212{acct}53035785407149.0015802NO"), QrError::Field("54")),
    ] {
        assert_eq!(drop::read(&resign(&body)), Err(err), "{body}");
    }
    let ok = resign(&format!("000201010212{acct}53035785406149.005802NO"));
    assert_eq!(drop::read(&ok).unwrap().amount, Some(14_900));
}

proptest! {
    #[test]
    fn generated_codes_parse_back(
        minor in proptest::option::of(1i64..10_000_000_000),
        name in "[A-Za-z0-9]([A-Za-z0-9 &.-]{0,23}[A-Za-z0-9])?",
        city in "[A-Za-z]{1,15}",
        reference in proptest::option::of("[A-Za-z0-9_-]{1,40}"),
        request in any::<bool>(),
    ) {
        let id = "01JD5ZK3Q8W6X2Y4V7T9R1N0MB";
        let payee = if request { Payee::Request(format!("req_{id}")) } else { Payee::Merchant(format!("mer_{id}")) };
        let code = Code { payee, amount: minor, reference, mcc: "5812".into(), name, city };
        let payload = drop::encode(&code).unwrap();
        prop_assert_eq!(drop::read(&payload).unwrap(), code);
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,600}") {
        let _ = mpm::parse(&s);
        let _ = drop::read(&s);
    }

    #[test]
    fn near_valid_input_never_panics(cut in 0usize..160, junk in "[0-9A-Z.]{0,12}") {
        let s: String = NO_DYNAMIC.chars().take(cut).collect::<String>() + &junk;
        let _ = mpm::parse(&s);
        let _ = drop::read(&s);
    }
}
