/**
 * Testing a message route: a sample topic and message (prefilled to match the route's filters)
 * checked by the API against both filters; with "deliver", a match is also sent to the webhook.
 */
import { useState } from "react";
import { MessageRouteTest } from "../../../http/api/bodies/notify";
import { api } from "../../lib/api";
import { useForm } from "../../lib/form";
import { Button, Checkbox, TextArea, TextField } from "../../ui/controls";
import { ResultBox, SendResultBox } from "./parts";
import { parseJsonObject, samplePayload, sampleTopic } from "./route-sample";
import { errorAt, PATHS, type MessageRoute, type RouteTestResult } from "./types";

const mark = (ok: boolean) => (ok ? "matches" : "does not match");

export function RouteTest({ route }: { route: MessageRoute }) {
  const [result, setResult] = useState<RouteTestResult | null>(null);
  const initial = { topic: sampleTopic(route.topicFilter), payload: JSON.stringify(samplePayload(route.payloadFilter), null, 2), deliver: false };
  const form = useForm(initial, MessageRouteTest, async (body) => {
    setResult(null);
    setResult(await api.post<RouteTestResult>(`${PATHS.messageRoutes}/${route.routeId}/test`, body));
  }, (v) => {
    const p = parseJsonObject(v.payload);
    return { ...v, payload: "value" in p ? p.value : v.payload };
  });
  const v = form.values;
  const json = parseJsonObject(v.payload);
  const both = result && result.topicMatches && result.payloadMatches;
  return (
    <form onSubmit={(e) => void form.submit(e)} noValidate>
      <TextField label="Topic" className="mono" required value={v.topic} onChange={(x) => form.set("topic", x)} error={form.errors.topic} />
      <TextArea
        label="Message (JSON)"
        className="mono"
        rows={6}
        value={v.payload}
        onChange={(x) => form.set("payload", x)}
        error={"error" in json ? json.error : errorAt(form.errors, "payload")}
        hint='As stored: {"metrics": {…}, "msgType": "telemetry", "deviceId": "…"}. Filter keys are looked up in metrics first.'
      />
      {route.destinationType === "webhook" ? <Checkbox label="Deliver: when both filters match, also send it to the webhook" checked={v.deliver} onChange={(x) => form.set("deliver", x)} /> : null}
      {form.formError ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="primary" type="submit" busy={form.busy}>Run test</Button>
      </div>
      {result ? (
        <div className="stack notify-tight">
          <ResultBox ok={!!both}>
            Topic {mark(result.topicMatches)}; payload {mark(result.payloadMatches)}. {both ? "This message would be forwarded." : "This message would not be forwarded."}
          </ResultBox>
          {result.delivery ? <SendResultBox result={result.delivery} /> : null}
        </div>
      ) : null}
    </form>
  );
}
