// Page objects for Horizon 23 (Zed): the only file that knows the dashboard's markup, so a Horizon
// release with other markup changes this file alone.
import type { Locator, Page } from '@playwright/test';
import { formatOptionValue, horizonPath } from '../../src/horizon/index.js';

/** Bootstrap's modal fade-in; a screenshot taken earlier catches it half drawn. */
const MODAL_SETTLE_MS = 400;
const LOGIN_TIMEOUT_MS = 30_000;

/** The login form at /auth/login/. */
export class LoginPage {
  constructor(
    private readonly page: Page,
    private readonly baseUrl: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(horizonPath(this.baseUrl, 'auth/login/'));
    await this.page.locator('#id_username').waitFor();
  }

  /** Submits the form; resolves once Horizon has left the login page, or throws with its message. */
  async logIn(username: string, password: string, domain: string): Promise<void> {
    const domainField = this.page.locator('#id_domain');
    if (await domainField.isVisible()) await domainField.fill(domain);
    await this.page.locator('#id_username').fill(username);
    await this.page.locator('#id_password').fill(password);
    await this.page.locator('#loginBtn').click();
    const refused = this.page.locator('.alert-danger:visible');
    await poll(LOGIN_TIMEOUT_MS, 'Horizon to leave the login page', async () => {
      if (!new URL(this.page.url()).pathname.includes('/auth/login')) return true;
      if ((await refused.count()) > 0) {
        const text = ((await refused.first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
        throw new Error(`Horizon refused the login of "${username}" (domain ${domain}): ${text}`);
      }
      return false;
    });
  }
}

/** Project > Compute > Images: the Angular images table and its row actions. */
export class ImagesTable {
  constructor(
    private readonly page: Page,
    private readonly baseUrl: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(horizonPath(this.baseUrl, 'project/images/'));
    await this.createButton().waitFor();
  }

  createButton(): Locator {
    return this.page.locator('button:has-text("Create Image")').first();
  }

  /** The table row whose name link reads exactly `name`. */
  row(name: string): Locator {
    return this.page.locator('table tbody tr').filter({ has: this.page.locator(`a:text-is("${name}")`) });
  }

  /** Reloads until the row's status reads `status` (the table does not refresh by itself). */
  async waitForStatus(name: string, status: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = 'no row';
    for (;;) {
      const row = this.row(name);
      if ((await row.count()) > 0) {
        seen = ((await row.first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
        if (new RegExp(`\\b${status}\\b`).test(seen)) return;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `image "${name}" did not reach ${status} in Horizon within ${timeoutMs} ms (last row: ${seen})`,
        );
      }
      await this.page.waitForTimeout(1000);
      await this.page.reload();
      await this.createButton().waitFor();
    }
  }

  /** Reloads until no row shows `name`. */
  async waitForGone(name: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.row(name).count()) > 0) {
      if (Date.now() > deadline)
        throw new Error(`image "${name}" still listed in Horizon after ${timeoutMs} ms`);
      await this.page.waitForTimeout(1000);
      await this.page.reload();
      await this.createButton().waitFor();
    }
  }

  /** Opens the row's action menu and picks `action` (e.g. "Update Metadata", "Delete Image"). */
  async rowAction(name: string, action: string): Promise<void> {
    const row = this.row(name).first();
    await row.locator('.dropdown-toggle').first().click();
    await row.locator(`a:has-text("${action}")`).first().click();
  }

  /** Whether the row's menu offers `action` (Horizon hides admin-only ones). */
  async offers(name: string, action: string): Promise<boolean> {
    const row = this.row(name).first();
    await row.locator('.dropdown-toggle').first().click();
    const found = (await row.locator(`a:has-text("${action}")`).count()) > 0;
    await this.page.keyboard.press('Escape');
    return found;
  }

  /** Delete Image from the row menu, confirmed in its dialog. */
  async deleteImage(name: string): Promise<void> {
    await this.rowAction(name, 'Delete Image');
    await openModal(this.page);
    await this.page.locator('.modal-footer button:has-text("Delete Image")').click();
    await this.page.locator('.modal.in').waitFor({ state: 'detached' });
  }
}

/** The Create Image wizard (Angular). */
export class CreateImageWizard {
  constructor(private readonly page: Page) {}

  async open(table: ImagesTable): Promise<void> {
    await table.createButton().click();
    await openModal(this.page);
    await this.page.locator('#imageForm-name').waitFor();
  }

  async fill(fields: {
    name: string;
    description: string;
    file: string;
    format: string;
    visibility: 'Private' | 'Shared' | 'Public' | 'Community';
  }): Promise<void> {
    await this.page.locator('#imageForm-name').fill(fields.name);
    await this.page.locator('#imageForm-description').fill(fields.description);
    // The file field is a Browse button, not an <input>: answer the chooser it opens.
    const [chooser] = await Promise.all([
      this.page.waitForEvent('filechooser'),
      this.page.locator('#imageForm-image_file').click(),
    ]);
    await chooser.setFiles(fields.file);
    await this.page.locator('#imageForm-format').selectOption(formatOptionValue(fields.format));
    await this.page
      .locator('label[ng-model="ctrl.image.visibility"]')
      .filter({ hasText: fields.visibility })
      .click();
  }

  async submit(): Promise<void> {
    await this.page.locator('.modal-footer button:has-text("Create Image")').click();
  }

  /** Resolves when the wizard has closed; throws Horizon's error toast if one shows first. */
  async waitClosed(timeoutMs: number): Promise<void> {
    const toast = this.page.locator('.alert-danger:visible');
    await poll(timeoutMs, 'the Create Image wizard to close', async () => {
      if ((await toast.count()) > 0) {
        throw new Error(
          `Horizon: ${((await toast.first().textContent()) ?? '').replace(/\s+/g, ' ').trim()}`,
        );
      }
      return (await this.page.locator('.modal.in').count()) === 0;
    });
  }
}

/** Update Metadata: a custom key with its value, saved. */
export class MetadataDialog {
  constructor(private readonly page: Page) {}

  async open(table: ImagesTable, name: string): Promise<void> {
    await table.rowAction(name, 'Update Metadata');
    await openModal(this.page);
    await this.page.locator('input[name="customItem"]').waitFor();
  }

  async addCustom(key: string, value: string): Promise<void> {
    const custom = this.page.locator('input[name="customItem"]');
    await custom.fill(key);
    await this.page.locator('.input-group').filter({ has: custom }).locator('.btn').click();
    const item = this.page
      .locator('.metadata-tree-item')
      .filter({ has: this.page.locator(`span.input-group-addon[title="${key}"]`) });
    await item.locator('input[name="property"]').fill(value);
  }

  async save(): Promise<void> {
    await this.page.locator('.modal-footer button:has-text("Save")').click();
    await this.page.locator('.modal.in').waitFor({ state: 'detached' });
  }
}

/** Calls `check` every 250 ms until it returns true; throws when `timeoutMs` pass first. */
async function poll(timeoutMs: number, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function openModal(page: Page): Promise<void> {
  await page.locator('.modal.in').waitFor();
  await page.waitForTimeout(MODAL_SETTLE_MS);
}
