//! Enhetsregisteret's open API (`GET /enhetsregisteret/api/enheter/{orgnr}` and `…/roller`), the
//! [`BusinessRegister`] port. No credentials: the data is public (NLOD).

use super::http::shared;
use async_trait::async_trait;
use drop_domain::organisation::OrgNumber;
use drop_services::merchants::register::{BusinessRegister, RegisterError, RoleHolder, Unit};

pub struct Enhetsregisteret {
    base: String,
}

impl Enhetsregisteret {
    /// `base` is the host (`https://data.brreg.no`).
    pub fn new(base: &str) -> Self {
        Enhetsregisteret { base: base.trim_end_matches('/').to_owned() }
    }

    async fn get(&self, path: &str) -> Result<(u16, serde_json::Value), RegisterError> {
        let url = format!("{}/enhetsregisteret/api/enheter/{path}", self.base);
        let client = shared().map_err(RegisterError::Unavailable)?;
        let resp = client.get(url).header("accept", "application/json").send().await.map_err(|e| {
            RegisterError::Unavailable(if e.is_timeout() { "timeout".into() } else { "connection failed".into() })
        })?;
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(serde_json::Value::Null);
        if status == 429 || status >= 500 {
            return Err(RegisterError::Unavailable(format!("{status}")));
        }
        Ok((status, body))
    }
}

fn text(v: &serde_json::Value, pointer: &str) -> String {
    v.pointer(pointer).and_then(|x| x.as_str()).unwrap_or_default().to_owned()
}

#[async_trait]
impl BusinessRegister for Enhetsregisteret {
    async fn unit(&self, org: &OrgNumber) -> Result<Option<Unit>, RegisterError> {
        let (status, v) = self.get(org.as_str()).await?;
        let flag = |k: &str| v.get(k).and_then(|x| x.as_bool()).unwrap_or(false);
        match status {
            200 if text(&v, "/navn").is_empty() => Err(RegisterError::Unavailable("an answer without navn".into())),
            200 => Ok(Some(Unit {
                org_number: text(&v, "/organisasjonsnummer"),
                name: text(&v, "/navn"),
                form: text(&v, "/organisasjonsform/kode"),
                city: Some(text(&v, "/forretningsadresse/poststed"))
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| "NORGE".into()),
                bankrupt: flag("konkurs"),
                winding_up: flag("underAvvikling") || flag("underTvangsavviklingEllerTvangsopplosning"),
                deleted: v.get("slettedato").is_some_and(|d| !d.is_null()),
            })),
            // Deleted: the register answers 410 Gone with the deletion date.
            410 => Ok(Some(Unit {
                org_number: org.as_str().to_owned(),
                name: String::new(),
                form: String::new(),
                city: String::new(),
                bankrupt: false,
                winding_up: false,
                deleted: true,
            })),
            404 | 400 => Ok(None),
            other => Err(RegisterError::Unavailable(format!("{other}"))),
        }
    }

    async fn roles(&self, org: &OrgNumber) -> Result<Vec<RoleHolder>, RegisterError> {
        let (status, v) = self.get(&format!("{}/roller", org.as_str())).await?;
        if status != 200 {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for group in v["rollegrupper"].as_array().into_iter().flatten() {
            for role in group["roller"].as_array().into_iter().flatten() {
                // Roles held by organisations (auditors, accountants) name no person.
                if role.get("person").is_none() {
                    continue;
                }
                out.push(RoleHolder {
                    role: text(role, "/type/kode"),
                    given_name: [text(role, "/person/navn/fornavn"), text(role, "/person/navn/mellomnavn")]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" "),
                    family_name: text(role, "/person/navn/etternavn"),
                    birth_date: text(role, "/person/fodselsdato"),
                    resigned: role["fratraadt"].as_bool().unwrap_or(false)
                        || role["avregistrert"].as_bool().unwrap_or(false),
                });
            }
        }
        Ok(out)
    }
}
