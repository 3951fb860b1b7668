"""Back-office: piccolo-admin mount, table configs, custom forms, designer pages."""
