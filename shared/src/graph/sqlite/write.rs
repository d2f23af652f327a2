//! The write path: one transaction per image, `INSERT OR IGNORE` on the
//! content-derived ids so a redelivered document changes nothing.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};

use super::codec::encode_embedding;
use super::{db_err, versions};
use crate::domain::{FeatureSetName, ImageId};
use crate::graph::{Location, WriteSummary};
use crate::schema::FeatureDocument;
use crate::Result;

pub(super) fn write_features(
    conn: &mut Connection,
    set: &FeatureSetName,
    doc: &FeatureDocument,
) -> Result<WriteSummary> {
    doc.validate_content()?;
    let tx = conn.transaction().map_err(db_err)?;
    let now = Utc::now().to_rfc3339();
    let img = &doc.image;
    let version = doc.model.version.as_str();
    let existing_uri: Option<String> = tx
        .query_row("SELECT uri FROM images WHERE id = ?1", [img.id.as_str()], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    let image_created = existing_uri.is_none();
    match existing_uri {
        None => {
            tx.execute(
                "INSERT INTO images (id, uri, bucket, name, generation, width, height, content_type, size_bytes, md5_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![img.id.as_str(), img.uri, img.bucket, img.name, img.generation, img.width, img.height,
                        img.content_type, img.size_bytes as i64, img.md5_hash, now],
            )
            .map_err(db_err)?;
        }
        Some(uri) if uri != img.uri => {
            let loc = Location {
                uri: img.uri.clone(),
                bucket: img.bucket.clone(),
                name: img.name.clone(),
                generation: img.generation,
            };
            insert_location(&tx, &img.id, &loc, &now)?;
        }
        Some(_) => {}
    }
    let mut objects_created = 0;
    {
        let mut obj = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO objects (id, image_id, model_version, label, category_id, score,
                   x_min, y_min, x_max, y_max, nx_min, ny_min, nx_max, ny_max, color, color_fraction)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )
            .map_err(db_err)?;
        let mut feat = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO features (id, object_id, model_version, dim, embedding, job_id, detector, embedder,
                   image_sha256, image_generation, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .map_err(db_err)?;
        let detector = format!("{}@{}", doc.model.detector.name, doc.model.detector.package_version);
        let embedder = format!("{}@{}", doc.model.embedder.name, doc.model.embedder.package_version);
        for o in &doc.objects {
            let (b, n) = (o.box_px, o.box_norm);
            objects_created += obj
                .execute(params![
                    o.id.as_str(),
                    img.id.as_str(),
                    version,
                    o.label.as_str(),
                    o.category_id,
                    o.score,
                    b.x_min,
                    b.y_min,
                    b.x_max,
                    b.y_max,
                    n.x_min,
                    n.y_min,
                    n.x_max,
                    n.y_max,
                    o.color.name.as_str(),
                    o.color.fraction
                ])
                .map_err(db_err)?;
            feat.execute(params![
                o.feature_id.as_str(),
                o.id.as_str(),
                version,
                o.embedding.len(),
                encode_embedding(&o.embedding),
                doc.lineage.job_id,
                detector,
                embedder,
                img.id.as_str(),
                img.generation,
                now
            ])
            .map_err(db_err)?;
        }
        let mut rel = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO relations (kind, from_id, to_id, model_version, distance, iou)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(db_err)?;
        for r in &doc.relations {
            rel.execute(params![r.kind.as_str(), r.from.as_str(), r.to.as_str(), version, r.distance, r.iou])
                .map_err(db_err)?;
        }
        let l = &doc.lineage;
        tx.execute(
            "INSERT OR IGNORE INTO runs (image_id, model_version, job_id, uri, host, processor, execution_provider, started_at, finished_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![img.id.as_str(), version, l.job_id, img.uri, l.host, l.processor, l.execution_provider,
                    l.started_at.to_rfc3339(), l.finished_at.to_rfc3339()],
        )
        .map_err(db_err)?;
    }
    let activated = versions::register(&tx, set, &doc.model.version, &now)?;
    tx.commit().map_err(db_err)?;
    Ok(WriteSummary { image_created, objects_created, objects_total: doc.objects.len(), activated })
}

fn insert_location(conn: &Connection, image: &ImageId, loc: &Location, now: &str) -> Result<bool> {
    let primary: Option<String> = conn
        .query_row("SELECT uri FROM images WHERE id = ?1", [image.as_str()], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    match primary {
        None => Err(crate::Error::NotFound(format!("image {image}"))),
        Some(uri) if uri == loc.uri => Ok(false),
        Some(_) => {
            let n = conn
                .execute(
                    "INSERT OR IGNORE INTO locations (uri, image_id, bucket, name, generation, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![loc.uri, image.as_str(), loc.bucket, loc.name, loc.generation, now],
                )
                .map_err(db_err)?;
            Ok(n == 1)
        }
    }
}

pub(super) fn add_location(conn: &mut Connection, image: &ImageId, loc: &Location) -> Result<bool> {
    insert_location(conn, image, loc, &Utc::now().to_rfc3339())
}
