//! The daily check that Drop's books agree with Swan: for every open wallet, the ledger balance of
//! `wallet:<user>:EUR` must equal the account's booked balance at Swan, once the account's
//! recent transactions are read again (as reconciliation does). A difference (a transaction
//! recorded wrongly, a posting lost) is reported for operations; nothing is corrected by itself.

use super::{wallet_account, WalletError, Wallets};
use crate::remit::ledger;
use drop_domain::lifecycle::wallet::Status;

/// Wallets per run.
const MAX_WALLETS: usize = 10_000;

/// One wallet whose books and bank disagree (euro cents).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    pub user_id: String,
    pub ledger: i64,
    pub bank: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceCheck {
    pub wallets: u32,
    pub differences: Vec<Difference>,
    /// Wallets Swan could not be asked about (checked at the next run).
    pub unchecked: u32,
}

impl Wallets {
    pub async fn balance_check(&self) -> Result<BalanceCheck, WalletError> {
        let mut out = BalanceCheck::default();
        for w in self.in_status(Status::Active, MAX_WALLETS).await? {
            let Some(account_id) = &w.account_id else { continue };
            out.wallets += 1;
            // What Swan booked and no webhook brought is recorded first.
            if self.sync(&w).await.is_err() {
                out.unchecked += 1;
                continue;
            }
            let bank = match self.banking.account(account_id).await {
                Ok(Some(a)) => a.booked,
                Ok(None) | Err(_) => {
                    out.unchecked += 1;
                    continue;
                }
            };
            let books = ledger::balance(self.table.as_ref(), &wallet_account(&w.user_id)).await?;
            if books != bank {
                out.differences.push(Difference { user_id: w.user_id.clone(), ledger: books, bank });
            }
        }
        Ok(out)
    }
}
