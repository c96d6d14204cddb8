/**
 * Adding one device, step by step: template, site, identity, then its credential, which the
 * API shows only in the creation response, with ready-to-run MQTT and HTTP examples.
 */
import { useEffect, useRef, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { NewDevice } from "../../../http/api/bodies/devices";
import { api, ApiError } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useForm } from "../../lib/form";
import { Button, CopyBlock, SelectField, TextField } from "../../ui/controls";
import { PageHeader } from "../../ui/layout";
import { Empty, ErrorBox } from "../../ui/table";
import { toast } from "../../ui/toast";
import { API, useSites, useTemplates } from "./data";
import { curlExample, errorsOnFields, IDENTITY, mqttExample, toNewDevice, type Credentials, type Identity } from "./snippets";

const STEPS = ["Template", "Site", "Identity", "Credential"] as const;

function Steps({ step }: { step: number }) {
  return (
    <ol className="fleet-steps" aria-label="Steps">
      {STEPS.map((s, i) => (
        <li key={s} aria-current={i === step ? "step" : undefined} className={i < step ? "fleet-step-done" : undefined}>
          {s}
        </li>
      ))}
    </ol>
  );
}

/** A step's card; its heading takes focus when the step opens, so screen readers follow along. */
function Step({ title, children }: { title: string; children: ReactNode }) {
  const h = useRef<HTMLHeadingElement>(null);
  useEffect(() => h.current?.focus(), []);
  return (
    <section className="card fleet-step">
      <h2 ref={h} tabIndex={-1}>{title}</h2>
      {children}
    </section>
  );
}

function Nav({ back, next, children }: { back?: () => void; next?: () => void; children?: ReactNode }) {
  return (
    <div className="form-actions">
      {back ? <Button onClick={back}>Back</Button> : null}
      {next ? <Button variant="primary" onClick={next}>Next</Button> : null}
      {children}
    </div>
  );
}

function TemplateStep({ value, onChange, next }: { value: string; onChange: (v: string) => void; next: () => void }) {
  const q = useTemplates();
  const items = q.data?.items ?? [];
  const options = [{ value: "", label: "No template" }, ...items.map((t) => ({ value: t.templateId, label: `${t.name} (${t.source === "system" ? "system" : "yours"}, ${t.category})` }))];
  return (
    <Step title="Template">
      <p className="muted">A template gives the device its metrics, commands and slots. You can add a device without one.</p>
      {q.isError ? <ErrorBox error={q.error} retry={() => void q.refetch()} /> : null}
      <SelectField label="Template" value={value} onChange={onChange} options={options} disabled={q.isPending} hint={q.isPending ? "Loading templates…" : <Link href="/templates">Manage templates</Link>} />
      <Nav next={next} />
    </Step>
  );
}

function SiteStep({ value, onChange, back, next }: { value: string; onChange: (v: string) => void; back: () => void; next: () => void }) {
  const q = useSites();
  const options = [{ value: "", label: "No site" }, ...(q.data?.items ?? []).map((s) => ({ value: s.siteId, label: s.name }))];
  return (
    <Step title="Site">
      <p className="muted">Where the device is. Sites group devices on the map and in filters.</p>
      {q.isError ? <ErrorBox error={q.error} retry={() => void q.refetch()} /> : null}
      <SelectField label="Site" value={value} onChange={onChange} options={options} disabled={q.isPending} hint={<Link href="/sites">Manage sites</Link>} />
      <Nav back={back} next={next} />
    </Step>
  );
}

const FIELDS: { key: keyof Identity; label: string; hint?: string }[] = [
  { key: "deviceId", label: "Device ID", hint: "Letters, digits, '_', ':' or '-'; it cannot change later." },
  { key: "displayName", label: "Display name" },
  { key: "serialNumber", label: "Serial number" },
  { key: "model", label: "Model" },
  { key: "manufacturer", label: "Manufacturer" },
  { key: "deviceType", label: "Device type" },
  { key: "macAddress", label: "MAC address" },
  { key: "imei", label: "IMEI" },
  { key: "lat", label: "Latitude", hint: "-90 to 90; with a longitude." },
  { key: "lng", label: "Longitude", hint: "-180 to 180." },
  { key: "address", label: "Address" },
  { key: "tags", label: "Tags", hint: "Comma-separated." },
];

interface Created {
  deviceId: string;
  credentials: Credentials;
}

type DeviceForm = ReturnType<typeof useForm<Identity, typeof NewDevice>>;

function IdentityStep({ form, back }: { form: DeviceForm; back: () => void }) {
  const errors = errorsOnFields(form.errors);
  const elsewhere = [errors.templateId, errors.siteId].filter(Boolean);
  return (
    <Step title="Identity">
      <form onSubmit={(e) => void form.submit(e)} noValidate>
        <div className="form-grid">
          {FIELDS.map((f) => (
            <TextField key={f.key} label={f.label} hint={f.hint} value={form.values[f.key]} onChange={(v) => form.set(f.key, v)} error={errors[f.key]} required={f.key === "deviceId"} />
          ))}
        </div>
        {elsewhere.length ? <div className="form-error" role="alert">{elsewhere.join("; ")} — go back to change it.</div> : null}
        {form.formError && !Object.keys(errors).length ? <div className="form-error" role="alert">{form.formError}</div> : null}
        <Nav back={back}>
          <Button type="submit" variant="primary" busy={form.busy}>Create device</Button>
        </Nav>
      </form>
    </Step>
  );
}

function CredentialStep({ created, again }: { created: Created; again: () => void }) {
  const c = created.credentials;
  return (
    <Step title="Credential">
      <p className="fleet-warning" role="note">
        <strong>Copy the token now.</strong> It is not shown again; if it is lost, issue a new one from the device page.
      </p>
      <h3>Provision token</h3>
      <CopyBlock label="Provision token" text={c.provisionToken} />
      <h3>Send telemetry over MQTT</h3>
      <CopyBlock label="MQTT example" text={mqttExample(c, location.hostname)} />
      <h3>Send telemetry over HTTP</h3>
      <CopyBlock label="curl example" text={curlExample(c, location.origin)} />
      <div className="form-actions">
        <Button onClick={again}>Add another device</Button>
        <Link href={`/devices/${created.deviceId}`} className="btn btn-primary fleet-link-btn">Open device</Link>
      </div>
    </Step>
  );
}

export default function DeviceWizard() {
  const { me } = useAuth();
  const qc = useQueryClient();
  const [step, setStep] = useState(0);
  const [templateId, setTemplateId] = useState("");
  const [siteId, setSiteId] = useState("");
  const [created, setCreated] = useState<Created | null>(null);
  // Here rather than in the step, so going back and forth keeps what was typed.
  const form = useForm(IDENTITY, NewDevice, async (body) => {
    const r = await api.post<Created>(`${API}/devices`, body).catch((err: unknown) => {
      // The registry's unique key answers 409 without a field: it is the id that is taken.
      if (err instanceof ApiError && err.status === 409 && !err.errors.length) {
        throw new ApiError(409, err.code, err.message, [{ path: "body.deviceId", message: `a device ${body.deviceId} already exists` }], err.requestId);
      }
      throw err;
    });
    await Promise.all(["devices", "fleet", "sites", "tags"].map((k) => qc.invalidateQueries({ queryKey: [k] })));
    toast(`Device ${r.deviceId} created`);
    setCreated(r);
    setStep(3);
  }, (v) => toNewDevice(v, { templateId, siteId }));
  const header = <PageHeader title="Add device" subtitle={<Link href="/devices">Back to devices</Link>} />;
  if (!canWrite(me)) return <>{header}<Empty>Your role can view devices but not add them. Ask a tenant admin.</Empty></>;
  const restart = () => (setCreated(null), form.setAll(IDENTITY), setTemplateId(""), setSiteId(""), setStep(0));
  return (
    <>
      {header}
      <Steps step={step} />
      {step === 0 ? <TemplateStep value={templateId} onChange={setTemplateId} next={() => setStep(1)} /> : null}
      {step === 1 ? <SiteStep value={siteId} onChange={setSiteId} back={() => setStep(0)} next={() => setStep(2)} /> : null}
      {step === 2 ? <IdentityStep form={form} back={() => setStep(1)} /> : null}
      {step === 3 && created ? <CredentialStep created={created} again={restart} /> : null}
    </>
  );
}
