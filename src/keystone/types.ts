/** Keystone v3 token response shapes (api-ref: identity/v3 "Password authentication with scoped authorization"). */

export interface CatalogEndpoint {
  id: string;
  interface: string;
  region?: string | null;
  region_id?: string | null;
  url: string;
}

export interface CatalogEntry {
  id: string;
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

export interface TokenBody {
  token: {
    methods: string[];
    expires_at: string;
    issued_at?: string;
    user: { id: string; name: string; domain?: { id: string; name: string } };
    project?: { id: string; name: string; domain?: { id: string; name: string } };
    roles?: Array<{ id: string; name: string }>;
    catalog?: CatalogEntry[];
  };
}

/** A token the harness holds, with what it needs from the body. */
export interface Token {
  value: string;
  expiresAt: Date;
  userName: string;
  userId: string;
  projectName?: string;
  projectId?: string;
  roles: string[];
  catalog: CatalogEntry[];
}
