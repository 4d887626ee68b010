//! The GraphQL documents Drop sends to Swan. Each selects `__typename` on unions and
//! `... on Rejection { message }`, so a rejection never comes back as `{}`. A test runs every
//! document against the simulator's schema (generated from its server code).

pub const OPEN_ACCOUNT: &str = r#"mutation OpenAccount($input: CreateIndividualAccountHolderOnboardingInput!) {
  createIndividualAccountHolderOnboarding(input: $input) {
    __typename
    ... on CreateIndividualAccountHolderOnboardingSuccessPayload {
      onboarding { id onboardingUrl statusInfo { status } account { id } }
    }
    ... on Rejection { message }
  }
}"#;

pub const ONBOARDING: &str = r#"query Onboarding($id: ID!) {
  onboarding(id: $id) { id onboardingUrl statusInfo { status } account { id } }
}"#;

pub const ACCOUNT: &str = r#"query Account($accountId: ID!) {
  account(accountId: $accountId) {
    id IBAN BIC statusInfo { status }
    balances { available { value currency } booked { value currency } }
    legalRepresentativeMembership { user { id } }
  }
}"#;

/// The fields of a transaction every document reads.
macro_rules! transaction {
    () => {
        r#"__typename id type side amount { value currency } reference paymentId updatedAt
    statusInfo { __typename status ... on RejectedTransactionStatusInfo { reason } }
    ... on SEPACreditTransferTransaction { accountId externalReference creditor { name IBAN } debtor { name IBAN } }"#
    };
}

pub const TRANSACTION: &str =
    concat!("query Transaction($id: ID!) {\n  transaction(id: $id) {\n    ", transaction!(), "\n  }\n}");

pub const TRANSACTIONS: &str = concat!(
    "query Transactions($accountId: ID!, $first: Int!, $after: String, $since: String) {\n",
    "  account(accountId: $accountId) {\n",
    "    transactions(first: $first, after: $after, filters: { isAfterUpdatedAt: $since }) {\n",
    "      pageInfo { hasNextPage endCursor }\n",
    "      edges { node { ",
    transaction!(),
    " } }\n    }\n  }\n}"
);

pub const SEND: &str = r#"mutation Send($input: InitiateCreditTransfersInput!) {
  initiateCreditTransfers(input: $input) {
    __typename
    ... on InitiateCreditTransfersSuccessPayload {
      payment {
        id
        statusInfo {
          __typename status
          ... on PaymentConsentPending { consent { id consentUrl } }
          ... on PaymentRejected { reason }
        }
        transactions { id }
      }
    }
    ... on ValidationRejection { fields { code message path } }
    ... on Rejection { message }
  }
}"#;

pub const PAYMENT: &str = r#"query Payment($id: ID!) {
  payment(id: $id) {
    id
    statusInfo {
      __typename status
      ... on PaymentConsentPending { consent { id consentUrl } }
      ... on PaymentRejected { reason }
    }
    transactions { id }
  }
}"#;

/// Every document, named (for the schema test).
pub const ALL: [(&str, &str); 7] = [
    ("OpenAccount", OPEN_ACCOUNT),
    ("Onboarding", ONBOARDING),
    ("Account", ACCOUNT),
    ("Transaction", TRANSACTION),
    ("Transactions", TRANSACTIONS),
    ("Send", SEND),
    ("Payment", PAYMENT),
];
