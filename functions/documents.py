"""Documents of a case (SPEC journey 6): upload, list, read, rename, replace, versions, download,
delete. The access table decides who may call each route (owner / shared-with relations on the
``docId``); the service reuses that decision and audits every call itself: downloads with the
document's owner, so the employee's "who accessed my data" lists downloads by others.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from urllib.parse import quote

import azure.functions as func
from pydantic import Field

from functions.http import (
    ApiModel,
    Binary,
    FormModel,
    Request,
    json_response,
    paging,
    require_if_match,
    route,
)
from functions.http.uploads import FORM_OVERHEAD, read_upload
from functions.items import ItemView, ListedItem, with_shares
from shared import bootstrap
from shared.access.permissions import Action
from shared.documents import documents
from shared.documents.documents import Category
from shared.documents.validation import MEDIA_TYPES, TXT, max_upload_bytes
from shared.errors import InvalidInput


class DocumentFile(Binary):
    """A stored document's bytes, answered under the media type it was uploaded as (one of the
    accepted types, shared/documents/validation.py)."""

    media_types = tuple(MEDIA_TYPES)


bp = func.Blueprint()

_BASE = "api/cases/{caseId}/documents"
_ONE = _BASE + "/{docId}"


def _upload_limit() -> int:
    return max_upload_bytes() + FORM_OVERHEAD


class Rename(ApiModel):
    title: str | None = Field(default=None, max_length=1000)
    category: Category | None = None


class DocumentView(ItemView):
    """A document's metadata and its current version (never the content)."""

    category: Category
    title: str
    file_name: str
    content_type: str
    size: int
    version: int


class ListedDocument(DocumentView, ListedItem):
    """A document in the list, with whom it is shared if it is the caller's own."""


class DocumentList(ApiModel):
    """One page of the documents the caller may see (own and shared), by id."""

    documents: list[ListedDocument]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class DocumentVersion(ApiModel):
    version: int
    file_name: str
    content_type: str
    size: int
    created_at: datetime
    current: bool


class DocumentVersions(ApiModel):
    """The kept versions, newest first, one page."""

    versions: list[DocumentVersion]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


def _ids(request: Request) -> tuple[str, str]:
    return request.http.route_params["caseId"], request.http.route_params["docId"]


def _version_param(request: Request) -> int:
    raw = request.http.route_params.get("version", "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        raise InvalidInput("a version is a positive number", field="version")
    return int(raw)


class UploadForm(FormModel):
    """A new document: the file and its title and category (multipart/form-data)."""

    file: bytes = Field(json_schema_extra={"format": "binary"}, description="the document itself")
    title: str = Field(max_length=1000)
    category: documents.Category


class VersionForm(FormModel):
    """A new version of a document: the file (multipart/form-data)."""

    file: bytes = Field(json_schema_extra={"format": "binary"}, description="the new version")


# The two upload routes take multipart/form-data, streamed by functions/http/uploads.py: their form
# models describe the body; the plumbing leaves reading it to the handler.
@route(
    bp,
    name="document_upload",
    path=_BASE,
    methods=["POST"],
    permission=Action.DOCUMENT_CREATE,
    max_body=_upload_limit,
    body=UploadForm,
    responses={201: DocumentView},
)
def document_upload(request: Request) -> func.HttpResponse:
    upload = read_upload(request.http, fields=("title", "category"))
    view = documents.upload(
        bootstrap.ports(),
        request.caller,
        request.http.route_params["caseId"],
        data=upload.data,
        declared_type=upload.declared_type,
        file_name=upload.file_name,
        title=upload.fields.get("title", ""),
        category=upload.fields.get("category", ""),
    )
    location = f"/api/cases/{request.http.route_params['caseId']}/documents/{view['id']}"
    return json_response(view, 201, etag=view["etag"], location=location)


@route(
    bp,
    name="document_list",
    path=_BASE,
    methods=["GET"],
    permission=Action.DOCUMENT_LIST,
    query=paging.PageQuery,
    responses={200: DocumentList},
)
def document_list(request: Request) -> func.HttpResponse:
    case_id = request.http.route_params["caseId"]
    ports = bootstrap.ports()
    page = documents.listing_page(ports, request.caller, case_id, paging.window(request))
    views = with_shares(ports, case_id, request.actor, "doc", page.items)
    return json_response({"documents": views, "continuation": paging.continuation(request, page.after)})


@route(
    bp,
    name="document_read",
    path=_ONE,
    methods=["GET"],
    permission=Action.DOCUMENT_READ,
    responses={200: DocumentView},
)
def document_read(request: Request) -> func.HttpResponse:
    view = documents.read(bootstrap.ports(), request.caller, *_ids(request))
    return json_response(view, etag=view["etag"])


@route(
    bp,
    name="document_rename",
    path=_ONE,
    methods=["PATCH"],
    permission=Action.DOCUMENT_WRITE,
    body=Rename,
    responses={200: DocumentView},
)
def document_rename(request: Request) -> func.HttpResponse:
    body = request.body_as(Rename)
    view = documents.rename(
        bootstrap.ports(),
        request.caller,
        *_ids(request),
        if_match=require_if_match(request),
        title=body.title,
        category=body.category,
    )
    return json_response(view, etag=view["etag"])


@route(
    bp,
    name="document_replace",
    path=_ONE + "/versions",
    methods=["POST"],
    permission=Action.DOCUMENT_WRITE,
    max_body=_upload_limit,
    body=VersionForm,
    responses={200: DocumentView},
)
def document_replace(request: Request) -> func.HttpResponse:
    if_match = require_if_match(request)
    upload = read_upload(request.http, fields=())
    view = documents.replace(
        bootstrap.ports(),
        request.caller,
        *_ids(request),
        if_match=if_match,
        data=upload.data,
        declared_type=upload.declared_type,
        file_name=upload.file_name,
    )
    return json_response(view, etag=view["etag"])


@route(
    bp,
    name="document_versions",
    path=_ONE + "/versions",
    methods=["GET"],
    permission=Action.DOCUMENT_WRITE,
    query=paging.PageQuery,
    responses={200: DocumentVersions},
)
def document_versions(request: Request) -> func.HttpResponse:
    page = documents.versions(bootstrap.ports(), request.caller, *_ids(request), paging.window(request))
    return json_response({"versions": page.items, "continuation": paging.continuation(request, page.after)})


@route(
    bp,
    name="document_download",
    path=_ONE + "/content",
    methods=["GET"],
    permission=Action.DOCUMENT_READ,
    responses={200: DocumentFile},
)
def document_download(request: Request) -> func.HttpResponse:
    return _download(request, version=None)


@route(
    bp,
    name="document_version_download",
    path=_ONE + "/versions/{version}/content",
    methods=["GET"],
    permission=Action.DOCUMENT_WRITE,
    responses={200: DocumentFile},
)
def document_version_download(request: Request) -> func.HttpResponse:
    return _download(request, version=_version_param(request))


@route(
    bp,
    name="document_version_delete",
    path=_ONE + "/versions/{version}",
    methods=["DELETE"],
    permission=Action.DOCUMENT_WRITE,
    responses={204: None},
)
def document_version_delete(request: Request) -> func.HttpResponse:
    documents.delete_version(bootstrap.ports(), request.caller, *_ids(request), _version_param(request))
    return func.HttpResponse(status_code=204)


@route(
    bp,
    name="document_delete",
    path=_ONE,
    methods=["DELETE"],
    permission=Action.DOCUMENT_DELETE,
    responses={204: None},
)
def document_delete(request: Request) -> func.HttpResponse:
    documents.delete(bootstrap.ports(), request.caller, *_ids(request), if_match=require_if_match(request))
    return func.HttpResponse(status_code=204)


def content_disposition(file_name: str) -> str:
    """``attachment`` with an ASCII fallback and the exact name as RFC 5987 ``filename*``
    (RFC 6266 §4.3): quotes, backslashes and non-ASCII never reach the quoted form."""
    stem, dot, ext = file_name.rpartition(".")
    stem, ext = (stem, dot + ext) if stem else (file_name, "")
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = "".join(c if c.isalnum() or c in " ._-()" else "_" for c in folded).strip(" .")
    fallback = (ascii_stem or "download") + "".join(
        c for c in ext if c.isascii() and (c.isalnum() or c == ".")
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def _download(request: Request, *, version: int | None) -> func.HttpResponse:
    """The current version (owner, grantees) or an older one (owner); the service audits it."""
    found = documents.download(bootstrap.ports(), request.caller, *_ids(request), version=version)
    return _file_response(found)


def _file_response(found: documents.Download) -> func.HttpResponse:
    media_type = f"{TXT}; charset=utf-8" if found.media_type == TXT else found.media_type
    return func.HttpResponse(
        found.content,
        status_code=200,
        headers={
            "Content-Type": media_type,
            "Content-Disposition": content_disposition(found.file_name),
            # Even if a browser were tricked into rendering it, the file runs nothing.
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
