-- Project credentials: a public API ID and a Project Key the console shows
-- again, so the key is sealed (AES-256-GCM under the master key); its digest
-- finds the project when the key is presented.
ALTER TABLE projects ADD COLUMN api_id TEXT;
ALTER TABLE projects ADD COLUMN project_key_sealed TEXT;
ALTER TABLE projects ADD COLUMN project_key_digest TEXT;

CREATE UNIQUE INDEX projects_by_api_id ON projects (api_id);
CREATE UNIQUE INDEX projects_by_project_key_digest ON projects (project_key_digest);
