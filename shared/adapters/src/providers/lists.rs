//! The licensed sanctions/PEP list delivery, in OpenSanctions' shape (`reference/compliance.md`
//! §2.2): `index.json` names the dataset, its `version`, `updated_at` and `resources[]` (`name`,
//! `url`, SHA-1 `checksum`, `size`). UNCONFIRMED: how a licensed delivery authenticates; the
//! operator's secret holds the whole `Authorization` header value (empty for none), sent only to
//! the index's own origin.

use async_trait::async_trait;
use drop_domain::Secret;
use drop_services::screening_list::refresh::{Delivery, ListSource, Resource, SourceError};
use std::time::Duration;

/// A download of the largest list may take this long.
pub const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(600);

pub struct ListDelivery {
    index_url: reqwest::Url,
    resource: String,
    authorization: Option<Secret<String>>,
}

impl ListDelivery {
    /// `index_url`: the delivery's `index.json`; `resource`: the file to use
    /// (`targets.simple.csv` or `entities.ftm.json`).
    pub fn new(index_url: &str, resource: &str, authorization: Option<Secret<String>>) -> Result<Self, String> {
        let index_url = reqwest::Url::parse(index_url).map_err(|e| format!("list index URL: {e}"))?;
        if !matches!(index_url.scheme(), "https" | "http") {
            return Err("list index URL: must be http(s)".into());
        }
        let authorization = authorization.filter(|a| !a.expose().trim().is_empty());
        Ok(ListDelivery { index_url, resource: resource.to_owned(), authorization })
    }

    fn get(&self, url: &reqwest::Url) -> Result<reqwest::RequestBuilder, SourceError> {
        let mut req = crate::providers::http::shared().map_err(SourceError::Unavailable)?.get(url.clone());
        if let Some(a) = &self.authorization {
            if url.origin() == self.index_url.origin() {
                req = req.header(reqwest::header::AUTHORIZATION, a.expose().as_str());
            }
        }
        Ok(req)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, SourceError> {
        let resp = req.send().await.map_err(|e| {
            SourceError::Unavailable(if e.is_timeout() { "timeout".into() } else { "connection failed".into() })
        })?;
        match resp.status().as_u16() {
            200 => Ok(resp),
            401 | 403 => Err(SourceError::Unauthorized),
            s => Err(SourceError::Unavailable(format!("HTTP {s}"))),
        }
    }
}

fn malformed(what: &str) -> SourceError {
    SourceError::Malformed(what.to_owned())
}

#[async_trait]
impl ListSource for ListDelivery {
    async fn index(&self) -> Result<Delivery, SourceError> {
        let resp = self.send(self.get(&self.index_url)?).await?;
        let body: serde_json::Value = resp.json().await.map_err(|_| malformed("index.json is not JSON"))?;
        let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
        let r = body
            .get("resources")
            .and_then(|r| r.as_array())
            .and_then(|rs| rs.iter().find(|r| r.get("name").and_then(|n| n.as_str()) == Some(self.resource.as_str())))
            .ok_or_else(|| malformed("index.json does not list the configured resource"))?;
        let url = text(r, "url").ok_or_else(|| malformed("the resource has no url"))?;
        let url = self.index_url.join(&url).map_err(|_| malformed("the resource's url"))?;
        Ok(Delivery {
            dataset: text(&body, "name").ok_or_else(|| malformed("index.json has no name"))?,
            version: text(&body, "version").ok_or_else(|| malformed("index.json has no version"))?,
            updated_at: text(&body, "updated_at"),
            resource: Resource {
                name: self.resource.clone(),
                url: url.to_string(),
                sha1: text(r, "checksum"),
                size: r.get("size").and_then(|s| s.as_u64()),
            },
        })
    }

    async fn download(&self, url: &str, max_bytes: u64) -> Result<Vec<u8>, SourceError> {
        let url = reqwest::Url::parse(url).map_err(|_| malformed("the resource's url"))?;
        let mut resp = self.send(self.get(&url)?.timeout(DOWNLOAD_TIMEOUT)).await?;
        if resp.content_length().is_some_and(|n| n > max_bytes) {
            return Err(malformed("the file is larger than allowed"));
        }
        let mut out = Vec::with_capacity(resp.content_length().unwrap_or(0).min(max_bytes) as usize);
        while let Some(chunk) =
            resp.chunk().await.map_err(|_| SourceError::Unavailable("the download broke off".into()))?
        {
            if out.len() as u64 + chunk.len() as u64 > max_bytes {
                return Err(malformed("the file is larger than allowed"));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}
