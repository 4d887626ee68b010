//! QR codes: EMVCo Merchant-Presented Mode payloads ([`mpm`], on [`tlv`]) and Drop's profile of
//! them ([`drop`]: decision P7 of `reference/providers.md` §8).

pub mod drop;
pub mod mpm;
pub mod tlv;

/// Why a payload is not a QR code Drop can read (`invalid-qr`, but for the profile's own
/// refusals, which the API names apart).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("a data object runs past the end")]
    Truncated,
    #[error("not EMVCo data objects")]
    NotTlv,
    #[error("data object {0:02} appears twice")]
    Duplicate(u8),
    #[error("too long")]
    TooLong,
    #[error("the payload format indicator (00 = 01) must come first")]
    FormatIndicator,
    #[error("the CRC (63) is missing, not last or wrong")]
    Crc,
    #[error("no merchant account information")]
    NoMerchantAccount,
    #[error("data object {0} is not valid")]
    Field(&'static str),
    /// A valid code of someone else's scheme.
    #[error("not a Drop code")]
    Foreign,
}

#[cfg(test)]
mod vectors;
