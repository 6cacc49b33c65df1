"""The scale-out post store: Elasticsearch 9 behind an index template and a write alias.

Posts live in ``<prefix>-posts-NNNNNN`` indices made from the shipped template
(``infra/deploy/elasticsearch/posts-template.json``) and are reached through the alias ``<prefix>-posts``,
whose write index takes new posts. Chinese is segmented by jieba in Python and indexed by the built-in
``whitespace`` analyzer, so the server needs no plugin. Every write method refreshes before it returns,
which is how a write becomes visible to the next read, as ``core.storage`` promises.
"""

from __future__ import annotations

import logging
import urllib.parse
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from core.errors import InvalidInput, StorageUnavailable, VersionMismatch
from core.post import Enrichment, Post, enrichment_from_mapping
from core.storage import Bucket, GroupBy, PostQuery, Rejected, SearchPage, SortOrder, UpsertReport
from infra.storage import common
from infra.storage import elasticsearch_docs as docs

log = logging.getLogger(__name__)

SERVER_MAJOR = 9          # the elasticsearch-py major this code is written against
_MAX_WINDOW = 10_000      # Elasticsearch's default index.max_result_window
_BULK_CHUNK = 1_000
_REINDEX_BATCH = 500      # posts re-segmented per bulk request


class ElasticsearchPostStore:
    """Posts in an Elasticsearch cluster at ``url``. Construction checks that the server answers within
    ``timeout`` seconds and is of major version 9, installs the index template, creates the first index
    and the write alias when they are missing, and adds fields new in the template to existing indices.
    ``segmenter_version`` is the fingerprint of ``segment``; every post records the version that cut its
    terms."""

    def __init__(self, url: str, index_prefix: str = "yuqing", timeout: float = 5.0,
                 segment: common.Segmenter | None = None, *, clock=None, segmenter_version: str = ""):
        from elasticsearch import Elasticsearch

        # Credentials in the URL (https://user:password@host:9200) go to the client's basic auth and are
        # never shown in a message.
        self.url, auth = split_credentials(url.rstrip("/"))
        self.prefix = index_prefix
        self.alias = f"{index_prefix}-posts"
        self.timeout = float(timeout)
        self.segmenter_version = segmenter_version
        self._clock = clock
        self._terms = common.Terms(segment)
        # Bulk requests may take longer than the reachability check allows; 30 s bounds them.
        self.client = Elasticsearch(self.url, basic_auth=auth, request_timeout=max(self.timeout, 30.0),
                                    max_retries=1, retry_on_timeout=False)
        try:
            server_version(self.client, self.url, self.timeout)
            with self._calls("preparing the index"):
                self._prepare()
        except BaseException:
            self.client.close()
            raise

    def _prepare(self) -> None:
        template = docs.load_template(self.prefix)
        self.client.indices.put_index_template(name=self.alias, **template)
        if self.client.indices.exists_alias(name=self.alias):
            # Fields the template gained since the indices were made (mappings only ever grow).
            self.client.indices.put_mapping(index=self.alias,
                                            properties=template["template"]["mappings"]["properties"])
            self._add_micros()
        else:
            from elasticsearch import BadRequestError

            try:
                self.client.indices.create(index=f"{self.alias}-000001",
                                           aliases={self.alias: {"is_write_index": True}})
            except BadRequestError as error:   # another process created it first
                if "resource_already_exists" not in str(error):
                    raise

    def _add_micros(self) -> None:
        """Give posts stored by an older yuqing their ``published_us`` (once: later opens find none missing).
        Each update is conditional on the post's sequence number, so a post a writer replaced meanwhile keeps
        the writer's copy."""
        from elasticsearch import helpers

        missing = int(self.client.count(index=self.alias, query=docs.MISSING_MICROS)["count"])
        if not missing:
            return
        log.warning("adding published_us to %d posts stored by an older yuqing in %s", missing, self.alias)
        hits = helpers.scan(self.client, index=self.alias, query={"query": docs.MISSING_MICROS}, size=_BULK_CHUNK,
                            _source=["published_at"], seq_no_primary_term=True)
        actions = ({"_op_type": "update", "_index": h["_index"], "_id": h["_id"], "if_seq_no": h["_seq_no"],
                    "if_primary_term": h["_primary_term"],
                    "doc": {"published_us": common.micros(docs.parse_es_time(h["_source"]["published_at"]))}}
                   for h in hits)
        self._bulk(actions)
        self.refresh()

    @contextmanager
    def _calls(self, what: str):
        """Driver errors become StorageUnavailable naming the URL and what was being done."""
        from elastic_transport import TransportError
        from elasticsearch import ApiError

        try:
            yield
        except (ApiError, TransportError) as error:
            raise StorageUnavailable(f"Elasticsearch at {self.url} failed while {what}: {error}") from error

    def _now(self) -> datetime:
        return self._clock.now() if self._clock else datetime.now(timezone.utc)

    def refresh(self) -> None:
        with self._calls("refreshing"):
            self.client.indices.refresh(index=self.alias)

    # --- writes

    def upsert_many(self, posts: Iterable[Post | Mapping[str, Any]]) -> UpsertReport:
        batch = common.validate_batch(posts, self._now())
        accepted, report = batch.accepted, UpsertReport(rejected=batch.rejected)
        if not accepted:
            return report
        with self._calls("storing posts"):
            stored = self._stored(list(accepted), ["title", "text", "enrichment", "terms", "segmenter"])
            actions = (self._action(post, stored.get(post.id), report) for post in accepted.values())
            failed = self._bulk(actions)
            self.refresh()
        for post_id, reason in failed.items():
            for bucket in (report.new, report.updated):
                if post_id in bucket:
                    bucket.remove(post_id)
            report.rejected.append(Rejected(batch.positions[post_id], post_id, None, reason))
        report.rejected.sort(key=lambda r: r.index)
        return report

    def _action(self, post: Post, stored: dict | None, report: UpsertReport) -> dict[str, Any]:
        if stored is None:
            report.new.append(post.id)
            return {"_op_type": "index", "_index": self.alias, "_id": post.id,
                    "_source": docs.document(post, self._terms.of(post.title, post.text), self.segmenter_version)}
        report.updated.append(post.id)
        source = stored["_source"]
        merged = common.merge(post, source.get("title") or "", source.get("text") or "",
                              enrichment_from_mapping(source.get("enrichment")))
        if merged.text_changed:
            terms, segmenter = self._terms.of(post.title, post.text), self.segmenter_version
        else:   # same text: the stored terms are reused (no segmenting), with the record of what cut them
            terms, segmenter = source.get("terms", ""), source.get("segmenter") or ""
        return {"_op_type": "index", "_index": stored["_index"], "_id": post.id,
                "_source": docs.document(merged.post, terms, segmenter)}

    def _bulk(self, actions: Iterable[dict[str, Any]]) -> dict[str, str]:
        """Send actions in chunks; the ids the server refused, with its reason. Two sender threads let
        Elasticsearch index one chunk while Python builds (and segments) the next."""
        from elasticsearch import helpers

        failed: dict[str, str] = {}
        for ok, item in helpers.parallel_bulk(self.client, actions, thread_count=2, queue_size=2,
                                              chunk_size=_BULK_CHUNK, max_chunk_bytes=50 * 2**20,
                                              raise_on_error=False, raise_on_exception=True, refresh=False):
            if not ok:
                result = next(iter(item.values()))
                error = result.get("error") or {}
                reason = error.get("reason") if isinstance(error, dict) else str(error)
                failed[result.get("_id")] = f"Elasticsearch refused the post: {reason or result.get('status')}"
        return failed

    def _stored(self, ids: list[str], fields: list[str] | bool) -> dict[str, dict]:
        """The stored hits (with ``_index``) among these ids; works across every index behind the alias."""
        found: dict[str, dict] = {}
        for start in range(0, len(ids), _MAX_WINDOW):
            part = ids[start:start + _MAX_WINDOW]
            result = self.client.search(index=self.alias, query={"ids": {"values": part}}, size=len(part),
                                        source=fields)
            for hit in result["hits"]["hits"]:
                found[hit["_id"]] = hit
        return found

    def write_enrichment(self, enrichments: Mapping[str, Enrichment]) -> int:
        if not enrichments:
            return 0
        with self._calls("writing enrichment"):
            stored = self._stored(list(enrichments), False)
            actions = ({"_op_type": "update", "_index": hit["_index"], "_id": post_id,
                        "doc": docs.enrichment_document(enrichments[post_id])} for post_id, hit in stored.items())
            failed = self._bulk(actions)
            self.refresh()
        return len(stored) - len(failed)

    def delete_older_than(self, cutoff: datetime) -> int:
        from elasticsearch import helpers

        query = {"range": {"published_at": {"lt": docs.es_time(cutoff)}}}
        with self._calls("deleting old posts"):
            hits = helpers.scan(self.client, index=self.alias, query={"query": query}, _source=False, size=1000)
            actions = ({"_op_type": "delete", "_index": h["_index"], "_id": h["_id"]} for h in hits)
            deleted, errors = helpers.bulk(self.client, actions, chunk_size=_BULK_CHUNK, raise_on_error=False,
                                           stats_only=True)
            self.refresh()
        return deleted

    # --- segmenter versions

    @property
    def needs_reindex(self) -> bool:
        with self._calls("looking for posts cut by another segmenter"):
            return self.client.count(index=self.alias, query=docs.stale_query(self.segmenter_version))["count"] > 0

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> int:
        from elasticsearch import helpers

        stale = docs.stale_query(self.segmenter_version)
        with self._calls("re-segmenting posts"):
            self.refresh()
            total = int(self.client.count(index=self.alias, query=stale)["count"])
            # A scroll reads the posts as they were when it began; each update is conditional on the post's
            # sequence number, so one a writer replaced meanwhile keeps its writer's terms.
            hits = helpers.scan(self.client, index=self.alias, query={"query": stale}, size=_REINDEX_BATCH,
                                _source=["title", "text"], seq_no_primary_term=True)
            done, batch = 0, []
            for hit in hits:
                batch.append(hit)
                if len(batch) == _REINDEX_BATCH:
                    done += self._rewrite_terms(batch)
                    batch = []
                    if progress:
                        progress(done, total)
            if batch:
                done += self._rewrite_terms(batch)
                if progress:
                    progress(done, total)
            self.refresh()
        return done

    def _rewrite_terms(self, hits: list[dict]) -> int:
        actions = ({"_op_type": "update", "_index": h["_index"], "_id": h["_id"], "if_seq_no": h["_seq_no"],
                    "if_primary_term": h["_primary_term"],
                    "doc": docs.terms_document(self._terms.of(h["_source"].get("title") or "", h["_source"]["text"]),
                                               self.segmenter_version)} for h in hits)
        failed = self._bulk(actions)
        lost = [reason for reason in failed.values() if "version_conflict" not in reason]
        if lost:   # a conflict is a writer's newer copy; anything else stays stale for the next run
            log.warning("re-segmenting: Elasticsearch refused %d posts, e.g. %s", len(lost), lost[0])
        return len(hits) - len(failed)

    # --- reads

    def get(self, post_id: str) -> Post | None:
        posts = self.get_many([post_id])
        return posts[0] if posts else None

    def get_many(self, post_ids: Sequence[str]) -> list[Post]:
        with self._calls("reading posts"):
            hits = self._stored(list(dict.fromkeys(post_ids)), {"excludes": docs.SOURCE_EXCLUDES})
        found = {post_id: docs.post_from_source(hit["_source"]) for post_id, hit in hits.items()}
        return [found[i] for i in post_ids if i in found]

    def _query(self, query: PostQuery) -> dict[str, Any] | None:
        """The Elasticsearch query, or None when the text has no searchable word (nothing matches)."""
        text = query.text.strip() if query.text else ""
        terms = self._terms.query_terms(text) if text else ()
        if text and not terms:
            return None
        return docs.bool_query(query, terms)

    def search(self, query: PostQuery = PostQuery(), *, sort: SortOrder = "time",
               offset: int = 0, limit: int = 20) -> SearchPage:
        body = self._query(query)
        if body is None:
            return SearchPage([], 0)
        offset, limit = max(int(offset), 0), max(int(limit), 0)
        if offset + limit > _MAX_WINDOW:
            raise InvalidInput(f"a page may not reach past the first {_MAX_WINDOW} matches "
                               f"(offset {offset} + limit {limit}); narrow the query", field="offset")
        order = docs.NEWEST_FIRST
        if sort == "relevance" and query.text and query.text.strip():
            order = ["_score", *order]
        with self._calls("searching"):
            result = self.client.search(index=self.alias, query=body, sort=order, from_=offset, size=limit,
                                        track_total_hits=True, source={"excludes": docs.SOURCE_EXCLUDES})
        hits = result["hits"]
        return SearchPage([docs.post_from_source(h["_source"]) for h in hits["hits"]], hits["total"]["value"])

    def count(self, query: PostQuery = PostQuery()) -> int:
        body = self._query(query)
        if body is None:
            return 0
        with self._calls("counting"):
            return int(self.client.count(index=self.alias, query=body)["count"])

    def aggregate(self, query: PostQuery, by: GroupBy) -> list[Bucket]:
        body = self._query(query)
        if body is None:
            return []
        aggregation = docs.aggregation(by)
        with self._calls("aggregating"):
            result = self.client.search(index=self.alias, query=body, size=0, aggs={"groups": aggregation})
        buckets = result["aggregations"]["groups"]["buckets"]
        if by in ("hour", "day"):
            return [Bucket(docs.bucket_time(b["key"]), b["doc_count"]) for b in buckets]
        return [Bucket(str(b["key"]), b["doc_count"]) for b in buckets]

    def iter_unenriched(self, model_version: str | None = None, batch_size: int = 500) -> Iterator[list[Post]]:
        # search_after on (fetched_at, id) is a keyset: enrichment written between batches moves nothing.
        query = docs.unenriched_query(model_version)
        after: list | None = None
        while True:
            extra = {"search_after": after} if after else {}
            with self._calls("listing unenriched posts"):
                result = self.client.search(index=self.alias, query=query, size=max(1, min(int(batch_size), 10_000)),
                                            sort=[{"fetched_at": "asc"}, {"id": "asc"}],
                                            source={"excludes": docs.SOURCE_EXCLUDES}, **extra)
            hits = result["hits"]["hits"]
            if not hits:
                return
            after = hits[-1]["sort"]
            yield [docs.post_from_source(h["_source"]) for h in hits]

    def count_unenriched(self, model_version: str | None = None) -> int:
        """How many posts ``iter_unenriched`` would yield, without reading them."""
        with self._calls("counting unenriched posts"):
            return int(self.client.count(index=self.alias, query=docs.unenriched_query(model_version))["count"])

    def drop(self) -> None:
        """Delete every index and the template under this store's prefix (a drill's posts, afterwards); the
        store is unusable after it."""
        with self._calls("deleting the drill's indices"):
            # By name: Elasticsearch refuses wildcard deletes (action.destructive_requires_name).
            names = list(self.client.indices.get(index=f"{self.alias}-*", allow_no_indices=True))
            if names:
                self.client.indices.delete(index=",".join(names))
            if self.client.indices.exists_index_template(name=self.alias):
                self.client.indices.delete_index_template(name=self.alias)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "ElasticsearchPostStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """The URL without ``user:password@``, and the credentials it carried."""
    parts = urllib.parse.urlsplit(url)
    if not parts.username:
        return url, None
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    bare = urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return bare, (urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))


def server_version(client, url: str, timeout: float) -> str:
    """The server's version, asked through ``client`` with at most ``timeout`` seconds to answer.
    StorageUnavailable names ``url`` (never its credentials) when it is unreachable, refuses the credentials
    or is not Elasticsearch; VersionMismatch when its major version is not the one this client speaks."""
    from elastic_transport import ConnectionError, ConnectionTimeout, SerializationError, TransportError
    from elasticsearch import ApiError, BadRequestError, UnsupportedProductError

    quick = client.options(request_timeout=timeout, max_retries=0, retry_on_timeout=False)
    try:
        version = _asked_version(quick)
    except UnsupportedProductError as error:
        # No product header: not Elasticsearch, or one older than 7.14 (which still says its version).
        version = _version_in(error.body)
        if not version:
            raise StorageUnavailable(f"{url} answered, but not like Elasticsearch; check es_url") from None
    except BadRequestError as error:
        # Elasticsearch 7 and 8 refuse the version-9 media type this client asks in.
        raise VersionMismatch(f"Elasticsearch at {url} does not speak the {SERVER_MAJOR}.x API "
                              f"({_reason(error)}); {_NEEDED}") from None
    except ApiError as error:
        if error.meta.status in (401, 403):
            raise StorageUnavailable(f"Elasticsearch at {url} refused the credentials (HTTP {error.meta.status}); "
                                     "put user:password in es_url") from None
        raise StorageUnavailable(f"Elasticsearch at {url} answered HTTP {error.meta.status}; check es_url") from None
    except SerializationError:
        raise StorageUnavailable(f"{url} did not answer with JSON; is es_url an Elasticsearch URL?") from None
    except (ConnectionTimeout, ConnectionError, TransportError) as error:
        raise StorageUnavailable(f"cannot reach Elasticsearch at {url} within {timeout:g}s ({_reason(error)}); "
                                 "start it (infra/elasticsearch.sh start) or fix es_url") from None
    if not version:
        raise StorageUnavailable(f"{url} answered, but not like Elasticsearch (no version); check es_url")
    if version.split(".")[0] != str(SERVER_MAJOR):
        raise VersionMismatch(f"Elasticsearch at {url} is version {version}; {_NEEDED}")
    return version


_NEEDED = (f"yuqing needs Elasticsearch {SERVER_MAJOR}.x (its client library is elasticsearch-py {SERVER_MAJOR}). "
           f"Upgrade the cluster or point es_url at a {SERVER_MAJOR}.x cluster.")


def _asked_version(client) -> str | None:
    from elasticsearch import ApiError

    try:
        return _version_in(client.info().body)
    except ApiError as error:
        if error.meta.status not in (404, 405):
            raise
    # Minimal distributions (the integration-test zip) leave out the root endpoint; the node info says the same.
    nodes = client.nodes.info(node_id="_local", filter_path="nodes.*.version").body
    versions = [n.get("version") for n in (nodes or {}).get("nodes", {}).values()]
    return versions[0] if versions else None


def _version_in(body: Any) -> str | None:
    version = body.get("version") if isinstance(body, dict) else None
    return version.get("number") if isinstance(version, dict) else None


def _reason(error: Exception) -> str:
    """A driver error in one line; its message carries no credentials, as the client never saw them in a URL."""
    body = getattr(error, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("reason") or body["error"].get("type"))
    return str(getattr(error, "message", None) or error).splitlines()[0]
