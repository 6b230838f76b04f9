/**
 * Bodies and header values captured from real Glance 25.1.0 / Keystone 22 (Zed) on Debian 12,
 * used as the expected answers of the reference fidelity tests. Ids and hosts vary per run, so
 * those parts are parameters.
 */

/** The webob error page Glance renders for `status` with `message` (and optional detail). */
export function webobPage(status: string, message: string, detail = ''): string {
  return `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${message}<br /><br />\n${detail}\n\n\n </body>\n</html>`;
}

/** 4b/4c/8b: generic 500 page, 228 bytes. */
export const PAGE_500 = webobPage(
  '500 Internal Server Error',
  'The server has either erred or is incapable of performing the requested operation.',
);

/** 4d/8b: the same 500 asked for as JSON, 186 bytes. */
export const JSON_500 =
  '{"message": "The server has either erred or is incapable of performing the requested operation.<br /><br />\\n\\n\\n", "code": "500 Internal Server Error", "title": "Internal Server Error"}';

/** 6-02: GET /v2/ → 404, 154 bytes. */
export const PAGE_404_RESOURCE = webobPage('404 Not Found', 'The resource could not be found.');

/** 7-10/7-13: keystonemiddleware's 401 page, 358 bytes. */
export const PAGE_401 = webobPage(
  '401 Unauthorized',
  'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.',
);

/** 8c POST with Accept: application/json → 401 JSON, 316 bytes. */
export const JSON_401 =
  '{"message": "This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.<br /><br />\\n\\n\\n", "code": "401 Unauthorized", "title": "Unauthorized"}';

/** 8c3/8c4: delay_auth_decision = false and Keystone unreachable → 503, 260 bytes. */
export const PAGE_503_KEYSTONE =
  '<html>\n <head>\n  <title>503 Service Unavailable</title>\n </head>\n <body>\n  <h1>503 Service Unavailable</h1>\n  The server is currently unavailable. Please try again at a later time.<br /><br />\nThe Keystone service is temporarily unavailable.\n\n\n </body>\n</html>';

/** 6-13c: PATCH with application/json → 415, 219 bytes. */
export const PAGE_415_PATCH =
  '<html>\n <head>\n  <title>415 Unsupported Media Type</title>\n </head>\n <body>\n  <h1>415 Unsupported Media Type</h1>\n  The request media type application/json is not supported by this server.\n<br /><br />\n\n </body>\n</html>';

/** 6-34: PUT file with text/plain → 415, 213 bytes. */
export const PAGE_415_UPLOAD =
  '<html>\n <head>\n  <title>415 Unsupported Media Type</title>\n </head>\n <body>\n  <h1>415 Unsupported Media Type</h1>\n  The request media type text/plain is not supported by this server.\n<br /><br />\n\n </body>\n</html>';

export const ACCEPT_PATCH =
  'application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch';

/** 6-13a: `add /tags/-` → 400, 185 bytes. */
export const PAGE_400_TAGS_DASH = webobPage(
  '400 Bad Request',
  'Invalid JSON pointer for this resource: &#x27;/tags/-&#x27;',
);

/** 6-30: upload to an active image → 409, 180 bytes. */
export const PAGE_409_ACTIVE = webobPage(
  '409 Conflict',
  'Image status transition from active to saving is not allowed',
);

/** 6-33: read-only attribute on create → 403, 164 bytes. */
export const PAGE_403_READONLY_STATUS = webobPage(
  '403 Forbidden',
  'Attribute &#x27;status&#x27; is read-only.',
);

/** 7-22: member creates a public image → 403, 180 bytes. */
export const PAGE_403_PUBLICIZE = webobPage(
  '403 Forbidden',
  'You are not authorized to complete publicize_image action.',
);

/** 6-19e/7-24: /v2/tasks → 403, 181 bytes. */
export const PAGE_403_TASKS = webobPage(
  '403 Forbidden',
  'You are not authorized to complete tasks_api_access action.',
);

/** 7-21: member downloads a deactivated image → 403 (197 bytes; the body was not captured, its length was). */
export const LENGTH_403_DEACTIVATED_DOWNLOAD = 197;

/** 6-21/7-23/6-32: unknown or invisible image. */
export const page404Image = (id: string) => webobPage('404 Not Found', `No image found with ID ${id}`);

/** 6-21b: the same as JSON. */
export const json404Image = (id: string) =>
  `{"message": "No image found with ID ${id}<br /><br />\\n\\n\\n", "code": "404 Not Found", "title": "Not Found"}`;

/** 6-21c: DELETE of a deleted image → 404, 189 bytes. */
export const page404Delete = (id: string) =>
  webobPage('404 Not Found', `Failed to find image ${id} to delete`);

/** 6-31: bad disk_format → 400; the page is 1074 bytes (the capture lost its indented lines, not its length). */
export const LENGTH_400_BAD_DISK_FORMAT = 1074;
export const BAD_DISK_FORMAT_FIRST_LINE =
  '  Provided object does not match schema &#x27;image&#x27;: &#x27;bogus&#x27; is not one of [None, &#x27;ami&#x27;, &#x27;ari&#x27;, &#x27;aki&#x27;, &#x27;vhd&#x27;, &#x27;vhdx&#x27;, &#x27;vmdk&#x27;, &#x27;raw&#x27;, &#x27;qcow2&#x27;, &#x27;vdi&#x27;, &#x27;iso&#x27;, &#x27;ploop&#x27;]';

/** 8d store full → 413, 239 bytes. */
export const PAGE_413_STORE_FULL = webobPage(
  '413 Request Entity Too Large',
  'Image storage media is full: There is not enough disk space on the image storage media.',
);

/** 8d store unwritable → 503, 238 bytes. */
export const PAGE_503_UNWRITABLE = webobPage(
  '503 Service Unavailable',
  'Insufficient permissions on image storage media: Permission to write image storage media denied.',
);

/** 8d: nginx's 502 when glance-api is down, 157 bytes with CRLF line ends. */
export const NGINX_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n';

/**
 * The versions document of the lab (enabled_backends set, as for 6-40), hrefs from the Host header;
 * 1577 bytes for 127.0.0.1:9292. Without multiple stores (6-00) 2.8 and 2.10–2.13 are absent.
 */
export function versionsBody(host: string): string {
  const ids = [
    'v2.15',
    'v2.13',
    'v2.12',
    'v2.11',
    'v2.10',
    'v2.9',
    'v2.8',
    'v2.7',
    'v2.6',
    'v2.5',
    'v2.4',
    'v2.3',
    'v2.2',
    'v2.1',
    'v2.0',
  ];
  const parts = ids.map(
    (id, i) =>
      `{"id": "${id}", "status": "${i === 0 ? 'CURRENT' : 'SUPPORTED'}", "links": [{"rel": "self", "href": "http://${host}/v2/"}]}`,
  );
  return `{"versions": [${parts.join(', ')}]}`;
}

/** 5a: empty image list, 69 bytes. */
export const EMPTY_IMAGE_LIST = '{"images": [], "first": "/v2/images", "schema": "/v2/schemas/images"}';

/** 6-18. */
export const INFO_IMPORT =
  '{"import-methods": {"description": "Import methods available.", "type": "array", "value": ["glance-direct", "web-download", "copy-image"]}}';

/** 6-40 (enabled_backends = fs:file,http:http). */
export const INFO_STORES =
  '{"stores": [{"id": "fs", "default": "true"}, {"id": "http", "read-only": "true"}]}';

/** 6-19b. */
export const INFO_USAGE = '{"usage": {}}';

/** 6-19d: members of a shared image nobody was added to. */
export const EMPTY_MEMBERS = '{"members": [], "schema": "/v2/schemas/members"}';

/** 6-19f: no metadefs until db_load_metadefs. */
export const EMPTY_NAMESPACES =
  '{"namespaces": [], "schema": "/v2/schemas/metadefs/namespaces", "first": "/v2/metadefs/namespaces"}';

/** 6-10/6-12: key order of an image document (extra properties come first). */
export const IMAGE_KEYS = [
  'name',
  'disk_format',
  'container_format',
  'visibility',
  'size',
  'virtual_size',
  'status',
  'checksum',
  'protected',
  'min_ram',
  'min_disk',
  'owner',
  'os_hidden',
  'os_hash_algo',
  'os_hash_value',
  'id',
  'created_at',
  'updated_at',
  'tags',
  'self',
  'file',
  'schema',
];

/** 6-11/6-12: the captured small.qcow2 was 196616 bytes declaring 64 MiB. */
export const SMALL_QCOW2_SIZE = 196616;
export const SMALL_QCOW2_VIRTUAL = 67108864;

/** 6-52: key order of a task in GET /v2/images/{id}/tasks. */
export const TASK_KEYS = [
  'id',
  'type',
  'status',
  'owner',
  'expires_at',
  'created_at',
  'updated_at',
  'deleted_at',
  'deleted',
  'image_id',
  'request_id',
  'user_id',
  'input',
  'result',
  'message',
];

/** 7-01/7-02: token document keys and catalog endpoint keys. */
export const TOKEN_KEYS = [
  'methods',
  'user',
  'audit_ids',
  'expires_at',
  'issued_at',
  'project',
  'is_domain',
  'roles',
  'catalog',
];
export const ENDPOINT_KEYS = ['id', 'interface', 'region_id', 'url', 'region'];
